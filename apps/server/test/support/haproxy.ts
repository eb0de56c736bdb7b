import { spawn, spawnSync, type ChildProcess } from "node:child_process";

/**
 * Starts Debian's HAProxy in the foreground on `config` with `env`, and
 * resolves once `probe` (a real request through it) succeeds. HAProxy
 * prints nothing when it is ready and assumes a server up until checks
 * fail, so the first request served through it is the signal. Each
 * attempt is a real connect that HAProxy refuses until it has bound its
 * port (bounded by count, no timer).
 */
export async function startHaproxy(config: string, env: Record<string, string>, probe: () => Promise<void>): Promise<ChildProcess> {
  // pnpm test installs it (scripts/ensure-test-tools.sh); say so if not.
  if (spawnSync("haproxy", ["-v"]).status !== 0) throw new Error("haproxy is not installed (apt-get install haproxy)");
  const haproxy = spawn("haproxy", ["-db", "-f", config], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  haproxy.stdout?.on("data", (d: Buffer) => (output += d.toString()));
  haproxy.stderr?.on("data", (d: Buffer) => (output += d.toString()));
  let lastError = "";
  for (let attempt = 0; ; attempt++) {
    if (haproxy.exitCode !== null) throw new Error(`haproxy exited with ${haproxy.exitCode}: ${output}`);
    if (attempt > 5000) throw new Error(`HAProxy never passed a request to pkgindex: ${lastError}`);
    const served = await probe().then(
      () => true,
      (err: Error) => ((lastError = err.message), false),
    );
    if (served) return haproxy;
  }
}
