import { spawnLogging } from "@pkgindex/server-process";
import { CLI } from "./server-process.ts";

export interface RefusedRun {
  code: number | string;
  stderr: string;
  /** Whether the server got as far as listening (then it was stopped: the refusal did not happen). */
  listened: boolean;
}

/**
 * Runs `pkgindex serve` (on a free port, no admin server) expecting it to
 * refuse to start. A server that starts anyway is stopped at its "listening"
 * line, so a missing refusal fails the test at once instead of hanging it.
 */
export async function runServeExpectingRefusal(args: string[]): Promise<RefusedRun> {
  const run = spawnLogging(CLI, ["serve", "--host", "127.0.0.1", "--port", "0", "--admin-port", "0", ...args]);
  const listened = await run.waitForLog((l) => l.msg === "listening").then(
    () => true,
    () => false, // it exited first: the refusal
  );
  if (listened) run.child.kill("SIGKILL");
  return { code: await run.exited, stderr: run.stderr(), listened };
}
