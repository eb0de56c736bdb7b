import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const REPO = path.resolve(fileURLToPath(import.meta.url), "../../../..");
/** The built server: the checker judges what ships (run `pnpm build` first; `pnpm test` does). */
export const PKGINDEX_BUNDLE = path.join(REPO, "apps/server/dist/pkgindex.js");

export interface PkgindexProcess {
  child: ChildProcess;
  port: number;
  /** Resolves with the exit code, or the signal's name. */
  exited: Promise<number | string>;
  stop(): Promise<number | string>;
}

/**
 * Starts `pkgindex serve` from the bundle on 127.0.0.1 without an admin
 * server, and resolves at its "listening" log line. `port` 0 picks a free
 * one; a restart passes the old port so clients find the server again.
 */
export function startPkgindexProcess(args: string[], port = 0): Promise<PkgindexProcess> {
  if (!existsSync(PKGINDEX_BUNDLE)) throw new Error(`${PKGINDEX_BUNDLE} is missing: run pnpm build first`);
  const child = spawn(process.execPath, [PKGINDEX_BUNDLE, "serve", "--host", "127.0.0.1", "--port", String(port), "--admin-port", "0", ...args], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr!.setEncoding("utf8");
  child.stderr!.on("data", (t: string) => (stderr += t));
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
        resolve({
          child,
          port: (JSON.parse(line) as { port: number }).port,
          exited,
          stop() {
            if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
            return exited;
          },
        });
        return;
      }
    });
    void exited.then((code) => {
      if (!listening) reject(new Error(`pkgindex exited (${code}) before listening: ${stderr}`));
    });
  });
}
