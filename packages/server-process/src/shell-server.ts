import { type ChildProcess, spawn } from "node:child_process";
import net from "node:net";
import { freePort } from "./free-port.ts";

/** A server started from a shell command: pkgindex or any other server of the protocol. */
export interface ShellServer {
  name: string;
  pid: number;
  port: number;
  /** The command as run, `{port}` replaced. */
  command: string;
  stop(): Promise<void>;
}

export class ServerStartError extends Error {
  override name = "ServerStartError";
}

/** Whether a TCP connection to host:port is accepted now (closed again at once). */
export function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });
}

/**
 * Starts a server from a shell command in which `{port}` stands for a free
 * port, and resolves once it accepts TCP connections. A server we did not
 * write (goref, okserver) says nothing when it is ready, so the port is
 * polled; a server that exits first fails at once with its last stderr
 * line. `options.port` replaces the free port the OS would pick (a caller
 * keeping to a range). The command is run with `exec`, so the pid is the server's own (for
 * its CPU and memory).
 */
export async function startShellServer(name: string, command: string, options: { env?: Record<string, string>; timeoutMs?: number; port?: number } = {}): Promise<ShellServer> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const port = options.port ?? (await freePort());
  const resolved = command.replaceAll("{port}", String(port));
  const child: ChildProcess = spawn("/bin/sh", ["-c", `exec ${resolved}`], { env: { ...process.env, ...options.env }, stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr!.setEncoding("utf8");
  child.stderr!.on("data", (t: string) => {
    stderr = (stderr + t).slice(-2000);
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new ServerStartError(`${name} exited (${child.exitCode ?? child.signalCode}) before listening: ${stderr.trim().split("\n").pop() ?? ""}`);
    }
    if (await canConnect("127.0.0.1", port)) break;
    if (performance.now() > deadline) {
      child.kill("SIGKILL");
      throw new ServerStartError(`${name} did not accept connections on port ${port} within ${timeoutMs / 1000}s`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    name,
    pid: child.pid!,
    port,
    command: resolved,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        // A server that ignores SIGTERM must not hang the run.
        const killer = setTimeout(() => child.kill("SIGKILL"), 5000);
        await exited;
        clearTimeout(killer);
      }
    },
  };
}
