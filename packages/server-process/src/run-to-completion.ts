import { spawn } from "node:child_process";

export interface CompletedRun {
  /** The exit code, or null when a signal ended the process. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `node entry ...args` (this process's node) to completion and
 * collects its output. It resolves on "close", not "exit", so output still
 * in the pipes when the child ends is not lost.
 */
export function runToCompletion(entry: string, args: readonly string[], options: { env?: Record<string, string> } = {}): Promise<CompletedRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [entry, ...args], { env: { ...process.env, ...options.env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8");
    child.stderr.setEncoding("utf8");
    child.stdout.on("data", (d: string) => (stdout += d));
    child.stderr.on("data", (d: string) => (stderr += d));
    child.once("error", reject);
    child.once("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}
