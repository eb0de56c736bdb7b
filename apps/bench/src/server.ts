import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type ServerProcess, startLoggingServer } from "@pkgindex/server-process";

/** The repository root: this file is apps/bench/{src,dist}/server.{ts,js} (or bundled beside it). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

/**
 * The pkgindex CLI to start: the source when the bench runs from source (so
 * both are the same checkout state), else the built CLI, or the source when
 * there is no build.
 */
export function pkgindexEntry(): string {
  const dist = path.join(REPO_ROOT, "apps/server/dist/pkgindex.js");
  const fromSource = import.meta.url.endsWith(".ts") || !existsSync(dist);
  return fromSource ? path.join(REPO_ROOT, "apps/server/src/pkgindex.ts") : dist;
}

/**
 * How to start pkgindex as a shell command for startShellServer. No admin
 * HTTP server: several modes run at once, and its port is fixed.
 */
export function pkgindexCommand(args: string): string {
  return `${shellQuote(process.execPath)} ${shellQuote(pkgindexEntry())} serve --host 127.0.0.1 --port {port} --admin-port 0 --log-level warn ${args}`;
}

export function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * Starts pkgindex on a free port (`--port 0`, read back from its
 * "listening" line, so `args` must keep `--log-level` at info or below).
 * For the subcommands that read its logs or its /metrics.
 */
export function startPkgindex(args: readonly string[]): Promise<ServerProcess> {
  return startLoggingServer(pkgindexEntry(), ["serve", "--host", "127.0.0.1", "--port", "0", "--log-level", "info", ...args]);
}
