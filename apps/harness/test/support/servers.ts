import { type ChildProcess, spawn } from "node:child_process";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = path.resolve(fileURLToPath(import.meta.url), "../../../../..");
export const HARNESS_CLI = path.join(REPO_ROOT, "apps/harness/src/bin.ts");
export const SERVER_CLI = path.join(REPO_ROOT, "apps/server/src/pkgindex.ts");
export const BREW_DATA = path.resolve(REPO_ROOT, "../shared/data/brew-dependencies.txt");

export interface RunningServer {
  port: number;
  stop(): Promise<void>;
}

/**
 * Starts pkgindex from source (`serve --port 0`, memory store) and resolves
 * with the port from its "listening" log line (the client port; the admin
 * server logs "admin listening").
 */
export function startPkgindex(workers: number): Promise<RunningServer> {
  const child: ChildProcess = spawn(
    process.execPath,
    // No admin HTTP server: its fixed default port would clash between test servers.
    [SERVER_CLI, "serve", "--host", "127.0.0.1", "--port", "0", "--admin-port", "0", "--workers", String(workers), "--store", "memory"],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let stderr = "";
  child.stderr!.setEncoding("utf8");
  child.stderr!.on("data", (t: string) => (stderr += t));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return new Promise((resolve, reject) => {
    let carry = "";
    child.stdout!.setEncoding("utf8");
    child.stdout!.on("data", (text: string) => {
      const lines = (carry + text).split("\n");
      carry = lines.pop()!;
      for (const line of lines) {
        let log: { msg?: string; port?: number };
        try {
          log = JSON.parse(line);
        } catch {
          continue;
        }
        if (log.msg === "listening" && typeof log.port === "number") {
          resolve({
            port: log.port,
            async stop() {
              if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
              await exited;
            },
          });
        }
      }
    });
    child.once("exit", (code) => reject(new Error(`pkgindex exited (${code}) before listening: ${stderr}`)));
  });
}

/**
 * A deliberately wrong server for the harness to catch: `reply` maps each
 * request line to the bytes to send back (null: send nothing; "CLOSE":
 * close the connection).
 */
export async function startFakeServer(reply: (line: string, n: number) => string | null): Promise<RunningServer> {
  const sockets = new Set<net.Socket>();
  let n = 0;
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
    let carry = "";
    socket.setEncoding("latin1");
    socket.on("data", (text: string) => {
      const lines = (carry + text).split("\n");
      carry = lines.pop()!;
      let out = "";
      for (const line of lines) {
        const r = reply(line.replace(/\r$/, ""), n++);
        if (r === "CLOSE") {
          socket.end(out);
          return;
        }
        if (r !== null) out += r;
      }
      if (out !== "") socket.write(out);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    async stop() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Runs the harness CLI from source to completion. */
export function runHarnessCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [HARNESS_CLI, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("exit", (code) => resolve({ code, stdout, stderr }));
  });
}
