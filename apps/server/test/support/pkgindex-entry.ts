import { readdirSync, statSync } from "node:fs";
import path from "node:path";
import { REPO_ROOT } from "./server-process.ts";

const DIST = path.join(REPO_ROOT, "apps/server/dist");
const BUNDLE_FILES = ["pkgindex.js", "cli.js", "io-worker.js", "state-owner-worker.js"];

function newestMtime(dir: string): number {
  let newest = 0;
  for (const rel of readdirSync(dir, { recursive: true, encoding: "utf8" })) {
    const st = statSync(path.join(dir, rel));
    if (st.isFile()) newest = Math.max(newest, st.mtimeMs);
  }
  return newest;
}

/**
 * The pkgindex CLI for tests that start many servers: the esbuild bundle
 * (apps/server/dist, about 2x faster to start, which matters with worker
 * threads) when it is at least as new as every source file it is built from
 * and the lockfile, as after the root `pnpm test` (which builds first);
 * otherwise the source, so a stale bundle is never what gets tested.
 */
export function pkgindexEntry(): { file: string; kind: "dist" | "source" } {
  const source = { file: path.join(REPO_ROOT, "apps/server/src/pkgindex.ts"), kind: "source" as const };
  let oldestBundle = Number.POSITIVE_INFINITY;
  try {
    for (const f of BUNDLE_FILES) oldestBundle = Math.min(oldestBundle, statSync(path.join(DIST, f)).mtimeMs);
  } catch {
    return source; // not built
  }
  const inputs = [path.join(REPO_ROOT, "apps/server/src"), ...readdirSync(path.join(REPO_ROOT, "packages")).map((p) => path.join(REPO_ROOT, "packages", p, "src"))];
  let newestInput = Math.max(statSync(path.join(REPO_ROOT, "pnpm-lock.yaml")).mtimeMs, statSync(path.join(REPO_ROOT, "apps/server/build.mjs")).mtimeMs);
  for (const dir of inputs) {
    try {
      newestInput = Math.max(newestInput, newestMtime(dir));
    } catch {
      // a package without src/
    }
  }
  return oldestBundle >= newestInput ? { file: path.join(DIST, "pkgindex.js"), kind: "dist" } : source;
}
