// Bodies of /livez and /readyz in the Kubernetes style: "ok" when healthy;
// with ?verbose (or when failing, or degraded), one line per check and a
// verdict. A degraded check ("[!]name reason") does not fail the endpoint:
// the server still serves, but not everything (a full store: reads only).
// A failing endpoint may say why in words ("reason: ..."), e.g. that the
// database cannot be reached.

export type Checks = Readonly<Record<string, boolean>>;
/** Degraded checks, each with the reason shown. */
export type Degraded = Readonly<Record<string, string>>;

function checkListing(endpoint: string, healthy: boolean, checks: Checks, degraded: Degraded, reason: string): string {
  let out = "";
  for (const [name, ok] of Object.entries(checks)) out += ok ? `[+]${name} ok\n` : `[-]${name} failed\n`;
  for (const [name, why] of Object.entries(degraded)) out += `[!]${name} degraded: ${why}\n`;
  if (reason !== "") out += `reason: ${reason.replace(/\s*\n\s*/g, " ")}\n`;
  return `${out}${endpoint} check ${healthy ? "passed" : "failed"}\n`;
}

export function healthBody(endpoint: string, healthy: boolean, checks: Checks, verbose: boolean, degraded: Degraded = {}, reason = ""): string {
  if (healthy && !verbose && Object.keys(degraded).length === 0) return "ok\n";
  return checkListing(endpoint, healthy, checks, degraded, reason);
}
