import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = path.resolve(fileURLToPath(import.meta.url), "../../../..");
/** The built CLI: the client is tested against what users run. */
export const PKGINDEX_DIST = path.join(REPO_ROOT, "apps/server/dist/pkgindex.js");

export interface RealServer {
  port: number;
  child: ChildProcess;
  /** SIGTERM (the server drains and exits 0); resolves with the exit code. */
  stop(): Promise<number | string>;
}

/**
 * Starts `pkgindex serve` from apps/server/dist (memory store, one thread,
 * no admin server) and resolves once its `listening` log line names the
 * port. `port` 0 picks a free one; a fixed port restarts a server in place.
 */
export function startRealServer(options: { port?: number; args?: string[] } = {}): Promise<RealServer> {
  if (!existsSync(PKGINDEX_DIST)) throw new Error(`${PKGINDEX_DIST} is missing: run \`npx pnpm@10.34.8 build\` first`);
  const args = ["serve", "--host", "127.0.0.1", "--port", String(options.port ?? 0), "--admin-port", "0", "--store", "memory", "--workers", "0", ...(options.args ?? [])];
  const child = spawn(process.execPath, [PKGINDEX_DIST, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  const exited = new Promise<number | string>((resolve) => child.once("exit", (code, signal) => resolve(code ?? signal ?? -1)));
  let stderr = "";
  child.stderr!.setEncoding("utf8");
  child.stderr!.on("data", (t: string) => (stderr += t));
  return new Promise((resolve, reject) => {
    let carry = "";
    child.stdout!.setEncoding("utf8");
    child.stdout!.on("data", (text: string) => {
      const lines = (carry + text).split("\n");
      carry = lines.pop()!;
      for (const line of lines) {
        let parsed: { msg?: string; port?: number };
        try {
          parsed = JSON.parse(line);
        } catch {
          continue;
        }
        if (parsed.msg !== "listening") continue;
        resolve({
          port: parsed.port!,
          child,
          stop() {
            if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
            return exited;
          },
        });
      }
    });
    exited.then((code) => reject(new Error(`pkgindex serve exited (${code}) before listening: ${stderr}`)));
  });
}
