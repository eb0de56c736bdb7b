import path from "node:path";
import { fileURLToPath } from "node:url";
import { type CompletedRun, runToCompletion, type ServerProcess, startLoggingServer } from "@pkgindex/server-process";

export const REPO_ROOT = path.resolve(fileURLToPath(import.meta.url), "../../../../..");
export const HARNESS_CLI = path.join(REPO_ROOT, "apps/harness/src/bin.ts");
export const SERVER_CLI = path.join(REPO_ROOT, "apps/server/src/pkgindex.ts");
export const BREW_DATA = path.resolve(REPO_ROOT, "../shared/data/brew-dependencies.txt");

/** Starts pkgindex from source (`serve --port 0`, memory store) and resolves once it listens. */
export function startPkgindex(workers: number): Promise<ServerProcess> {
  // No admin HTTP server: its fixed default port would clash between test servers.
  return startLoggingServer(SERVER_CLI, ["serve", "--host", "127.0.0.1", "--port", "0", "--admin-port", "0", "--workers", String(workers), "--store", "memory"]);
}

/** Runs the harness CLI from source to completion. */
export function runHarnessCli(args: string[]): Promise<CompletedRun> {
  return runToCompletion(HARNESS_CLI, args);
}
