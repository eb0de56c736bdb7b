import { spawn } from "node:child_process";
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
export function runServeExpectingRefusal(args: string[]): Promise<RefusedRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, "serve", "--host", "127.0.0.1", "--port", "0", "--admin-port", "0", ...args], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    let listened = false;
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (text: string) => {
      stdout += text;
      if (!listened && stdout.includes('"msg":"listening"')) {
        listened = true;
        child.kill("SIGKILL");
      }
    });
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (text: string) => (stderr += text));
    child.on("close", (code, signal) => resolve({ code: code ?? signal ?? -1, stderr, listened }));
  });
}
