import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import path from "node:path";
import { freePort } from "@pkgindex/server-process";
import { LineClient } from "./line-client.ts";
import { REPO_ROOT } from "./server-process.ts";

/** Debian's HAProxy running one of docker/'s configurations on loopback. */
export interface RunningHaproxy {
  child: ChildProcess;
  /** Where clients connect. */
  port: number;
  stop(): Promise<void>;
}

/**
 * Starts `haproxy -db -f docker/<config>` with HAPROXY_BIND_ADDR/PORT on a
 * free loopback port plus `env` (the backends), and resolves once a request
 * has been served through it. HAProxy prints nothing when it is ready and
 * assumes its servers up until checks fail, so the first QUERY answered is
 * the signal; each attempt is a real connect that HAProxy refuses until it
 * has bound its port (bounded by count, no timer). `probe` is that
 * request (default: a plain QUERY; a TLS front end needs its own). pnpm
 * test installs haproxy when missing (scripts/ensure-test-tools.sh).
 */
export async function startHaproxy(config: string, env: Record<string, string>, probe: (port: number) => Promise<void> = plainProbe): Promise<RunningHaproxy> {
  if (spawnSync("haproxy", ["-v"]).status !== 0) throw new Error("haproxy is not installed (apt-get install haproxy)");
  const port = await freePort();
  const child = spawn("haproxy", ["-db", "-f", path.join(REPO_ROOT, "docker", config)], {
    env: { ...process.env, HAPROXY_BIND_ADDR: "127.0.0.1", HAPROXY_BIND_PORT: String(port), ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  let lastError = "";
  for (let attempt = 0; ; attempt++) {
    if (child.exitCode !== null) throw new Error(`haproxy exited with ${child.exitCode}`);
    if (attempt > 5000) throw new Error(`HAProxy never passed a request to pkgindex: ${lastError}`);
    const served = await probe(port).then(
      () => true,
      (err: Error) => ((lastError = err.message), false),
    );
    if (served) break;
  }
  return {
    child,
    port,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}

/** One QUERY over plain TCP. */
async function plainProbe(port: number): Promise<void> {
  const c = await LineClient.connect(port);
  try {
    await c.send("QUERY|probe|");
  } finally {
    c.close();
  }
}
