// Bodies of /livez and /readyz in the Kubernetes style: "ok" when healthy;
// with ?verbose (or when failing), one line per check and a verdict.

export type Checks = Readonly<Record<string, boolean>>;
/** Facts shown under the checks, one `name: value` line each (e.g. the current revision). */
export type Facts = Readonly<Record<string, string | number>>;

function checkListing(endpoint: string, healthy: boolean, checks: Checks, facts: Facts): string {
  let out = "";
  for (const [name, ok] of Object.entries(checks)) out += ok ? `[+]${name} ok\n` : `[-]${name} failed\n`;
  for (const [name, value] of Object.entries(facts)) out += `${name}: ${value}\n`;
  return `${out}${endpoint} check ${healthy ? "passed" : "failed"}\n`;
}

export function healthBody(endpoint: string, healthy: boolean, checks: Checks, verbose: boolean, facts: Facts = {}): string {
  if (healthy && !verbose) return "ok\n";
  return checkListing(endpoint, healthy, checks, facts);
}
