import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root: this file is apps/bench/{src,dist}/server.{ts,js} (or bundled beside it). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

/**
 * How to start pkgindex: from source when the bench runs from source (so
 * both are the same checkout state), else the built CLI, or the source when
 * there is no build. No admin HTTP server: several modes run at once, and
 * its port is fixed.
 */
export function pkgindexCommand(args: string): string {
  const dist = path.join(REPO_ROOT, "apps/server/dist/pkgindex.js");
  const fromSource = import.meta.url.endsWith(".ts") || !existsSync(dist);
  const cli = fromSource ? path.join(REPO_ROOT, "apps/server/src/pkgindex.ts") : dist;
  return `${shellQuote(process.execPath)} ${shellQuote(cli)} serve --host 127.0.0.1 --port {port} --admin-port 0 --log-level warn ${args}`;
}

function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

export interface StartedServer {
  name: string;
  pid: number;
  port: number;
  command: string;
  stop(): Promise<void>;
}

export class ServerStartError extends Error {
  override name = "ServerStartError";
}

/** A port nothing listens on right now (the OS's pick, released again). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const port = (probe.address() as net.AddressInfo).port;
      probe.close(() => resolve(port));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: "127.0.0.1", port });
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });
}

/**
 * Starts a server from a shell command in which `{port}` stands for a free
 * port, and resolves once it accepts TCP connections. The command is run
 * with `exec`, so the pid is the server's own (for its CPU and memory).
 */
export async function startServer(name: string, command: string, timeoutMs = 30_000): Promise<StartedServer> {
  const port = await freePort();
  const resolved = command.replaceAll("{port}", String(port));
  const child: ChildProcess = spawn("/bin/sh", ["-c", `exec ${resolved}`], { stdio: ["ignore", "ignore", "pipe"] });
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
    if (await canConnect(port)) break;
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
        const killer = setTimeout(() => child.kill("SIGKILL"), 5000);
        await exited;
        clearTimeout(killer);
      }
    },
  };
}
