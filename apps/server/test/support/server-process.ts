import path from "node:path";
import { fileURLToPath } from "node:url";
import { inject } from "vitest";
import { createDatabaseOn, freePort, runToCompletion, type CompletedRun, type ServerProcess as LoggingServer, startLoggingServer } from "@pkgindex/server-process";

export const REPO_ROOT = path.resolve(fileURLToPath(import.meta.url), "../../../../..");
export const CLI = path.join(REPO_ROOT, "apps/server/src/pkgindex.ts");
export const BREW_DATA = path.resolve(REPO_ROOT, "../shared/data/brew-dependencies.txt");

/** Server layouts every integration suite runs against (DESIGN.md §3). */
export const MODES = [0, 1, 3] as const;

/** A pkgindex server started by startServer. */
export interface ServerProcess extends LoggingServer {
  /** The admin HTTP port, when started with { admin: true }; else 0 (off). */
  adminPort: number;
}

export interface StartOptions {
  /** A free admin HTTP port (in `adminPort`) instead of none. */
  admin?: boolean;
  /** The CLI to run (default: the source; see pkgindexEntry for the bundle). */
  entry?: string;
}

/**
 * Starts `pkgindex serve` on a free port (port 0, read back from its
 * "listening" line) and resolves once it listens. The admin server is off
 * unless asked for: its fixed default port would clash between servers.
 */
export async function startServer(args: string[], env: Record<string, string> = {}, options: StartOptions = {}): Promise<ServerProcess> {
  if (process.env.PKGINDEX_TEST_STORE === "postgres") args = await onPostgres(args);
  const adminPort = options.admin ? await freePort() : 0;
  const server = await startLoggingServer(options.entry ?? CLI, ["serve", "--host", "127.0.0.1", "--port", "0", "--admin-host", "127.0.0.1", "--admin-port", String(adminPort), ...args], { env });
  return { ...server, adminPort };
}

/**
 * With PKGINDEX_TEST_STORE=postgres (`PKGINDEX_TEST_STORE=postgres pnpm
 * vitest run apps/server/test`), a server the test starts on `--store
 * memory` runs on `--store postgres` with a fresh database of its own (the
 * same isolation: an empty index per server), on the cluster the
 * globalSetup started. Tests of the SQLite store's files keep SQLite.
 */
async function onPostgres(args: string[]): Promise<string[]> {
  const at = args.findIndex((a, i) => a === "--store" && args[i + 1] === "memory");
  if (at === -1) return args;
  const url = await createDatabaseOn(inject("postgresAdminUrl"));
  return [...args.slice(0, at), "--store", "postgres", "--postgres-url", url, ...args.slice(at + 2)];
}

/** GET on the admin server: status and body. */
export async function adminGet(port: number, route: string): Promise<{ status: number; body: string }> {
  const res = await fetch(`http://127.0.0.1:${port}${route}`);
  return { status: res.status, body: await res.text() };
}

/** Runs the CLI to completion (for flag errors and one-shot commands). */
export function runCli(args: string[], env: Record<string, string> = {}, entry = CLI): Promise<CompletedRun> {
  return runToCompletion(entry, args, { env });
}
