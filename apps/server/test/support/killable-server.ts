import { spawn, type ChildProcess } from "node:child_process";

export interface KillableServer {
  child: ChildProcess;
  port: number;
  /** Resolves with the exit code or the signal's name. */
  exited: Promise<number | string>;
  stderr: () => string;
}

/**
 * Starts `pkgindex serve` from `entry` (see pkgindexEntry) on a free port
 * without an admin server, and resolves at its "listening" log line. For
 * tests that kill servers over and over: it keeps no log lines.
 */
export function startKillableServer(entry: string, args: string[]): Promise<KillableServer> {
  const child = spawn(process.execPath, [entry, "serve", "--host", "127.0.0.1", "--port", "0", "--admin-port", "0", ...args], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr!.setEncoding("utf8");
  child.stderr!.on("data", (text: string) => (stderr += text));
  const exited = new Promise<number | string>((resolve) => child.once("exit", (code, signal) => resolve(code ?? signal ?? -1)));
  return new Promise((resolve, reject) => {
    let carry = "";
    let listening = false;
    child.stdout!.setEncoding("utf8");
    child.stdout!.on("data", (text: string) => {
      if (listening) return;
      const lines = (carry + text).split("\n");
      carry = lines.pop()!;
      for (const line of lines) {
        if (!line.includes('"msg":"listening"')) continue;
        listening = true;
        resolve({ child, port: (JSON.parse(line) as { port: number }).port, exited, stderr: () => stderr });
        return;
      }
    });
    exited.then((code) => {
      if (!listening) reject(new Error(`server exited (${code}) before listening; stderr: ${stderr}`));
    });
  });
}

/** Runs `pkgindex ARGS` from `entry` to completion. */
export function runEntry(entry: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [entry, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8");
    child.stderr.setEncoding("utf8");
    child.stdout.on("data", (d: string) => (stdout += d));
    child.stderr.on("data", (d: string) => (stderr += d));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}
