import { spawn, type ChildProcess } from "node:child_process";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = path.resolve(fileURLToPath(import.meta.url), "../../../../..");
export const CLI = path.join(REPO_ROOT, "apps/server/src/pkgindex.ts");
export const BREW_DATA = path.resolve(REPO_ROOT, "../shared/data/brew-dependencies.txt");

/** Server layouts every integration suite runs against (DESIGN.md §3). */
export const MODES = [0, 1, 3] as const;

export interface ServerProcess {
  child: ChildProcess;
  port: number;
  /** The admin HTTP port, when started with { admin: true }. */
  adminPort: number;
  /** Every JSON log line seen so far. */
  logs: Record<string, unknown>[];
  stderr: () => string;
  /** Resolves with the exit code (or signal name). */
  exited: Promise<number | string>;
  /** Resolves when a log line matching `predicate` has been seen. */
  waitForLog(predicate: (line: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
  stop(): Promise<number | string>;
}

/**
 * Starts the real CLI from source as a child process on a free port and
 * waits for its "listening" log line, which carries the bound port.
 */
export async function startServer(
  args: string[],
  env: Record<string, string> = {},
  options: { admin?: boolean } = {},
): Promise<ServerProcess> {
  // --admin-port 0 turns the admin server off; tests that want it get a free port.
  const adminPort = options.admin ? await freePort() : 0;
  const child = spawn(process.execPath, [CLI, "serve", "--host", "127.0.0.1", "--port", "0", "--admin-host", "127.0.0.1", "--admin-port", String(adminPort), ...args], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const logs: Record<string, unknown>[] = [];
  const waiters: { predicate: (l: Record<string, unknown>) => boolean; resolve: (l: Record<string, unknown>) => void }[] = [];
  let stderr = "";
  let carry = "";
  child.stdout!.setEncoding("utf8");
  child.stdout!.on("data", (text: string) => {
    const lines = (carry + text).split("\n");
    carry = lines.pop()!;
    for (const line of lines) {
      if (line.trim() === "") continue;
      let parsed: Record<string, unknown>;
      try {
        parsed = JSON.parse(line);
      } catch {
        parsed = { raw: line };
      }
      logs.push(parsed);
      for (let i = waiters.length - 1; i >= 0; i--) {
        if (waiters[i].predicate(parsed)) {
          waiters[i].resolve(parsed);
          waiters.splice(i, 1);
        }
      }
    }
  });
  child.stderr!.setEncoding("utf8");
  child.stderr!.on("data", (t: string) => (stderr += t));
  const exited = new Promise<number | string>((resolve) => child.once("exit", (code, signal) => resolve(code ?? signal ?? -1)));
  const waitForLog = (predicate: (l: Record<string, unknown>) => boolean) => {
    const seen = logs.find(predicate);
    if (seen) return Promise.resolve(seen);
    return new Promise<Record<string, unknown>>((resolve, reject) => {
      waiters.push({ predicate, resolve });
      exited.then((code) => reject(new Error(`server exited (${code}) before the expected log line; stderr: ${stderr}`)));
    });
  };
  return waitForLog((l) => l.msg === "listening").then((line) => ({
    child,
    port: line.port as number,
    adminPort,
    logs,
    stderr: () => stderr,
    exited,
    waitForLog,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      return exited;
    },
  }));
}

/** A port free right now (bound and released), for flags that take no 0. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** GET on the admin server: status and body. */
export async function adminGet(port: number, route: string): Promise<{ status: number; body: string }> {
  const res = await fetch(`http://127.0.0.1:${port}${route}`);
  return { status: res.status, body: await res.text() };
}

/** Runs the CLI to completion (for flag errors and one-shot commands). */
export function runCli(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("exit", (code) => resolve({ code, stdout, stderr }));
  });
}
