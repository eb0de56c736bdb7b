// Bodies of /livez and /readyz in the Kubernetes style: "ok" when healthy;
// with ?verbose (or when failing), one line per check and a verdict.

export type Checks = Readonly<Record<string, boolean>>;

function checkListing(endpoint: string, healthy: boolean, checks: Checks, reason: string): string {
  let out = "";
  for (const [name, ok] of Object.entries(checks)) out += ok ? `[+]${name} ok\n` : `[-]${name} failed\n`;
  if (reason !== "") out += `reason: ${reason.replace(/\s*\n\s*/g, " ")}\n`;
  return `${out}${endpoint} check ${healthy ? "passed" : "failed"}\n`;
}

export function healthBody(endpoint: string, healthy: boolean, checks: Checks, verbose: boolean, reason = ""): string {
  if (healthy && !verbose) return "ok\n";
  return checkListing(endpoint, healthy, checks, reason);
}
