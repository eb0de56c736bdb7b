import { execFileSync } from "node:child_process";
import type { BuildInfo } from "@pkgindex/runtime";
import { VERSION } from "./version.ts";

// Baked in by esbuild (apps/server/build.mjs `define`); from source, asked of git.
declare const PKGINDEX_BAKED_REVISION: string | undefined;

function gitRevision(): string {
  try {
    return execFileSync("git", ["rev-parse", "--short=12", "HEAD"], { cwd: new URL(".", import.meta.url), encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return "unknown"; // not a checkout
  }
}

/** The version and revision pkgindex_build_info reports. */
export function buildInfo(): BuildInfo {
  return { version: VERSION, revision: typeof PKGINDEX_BAKED_REVISION === "string" ? PKGINDEX_BAKED_REVISION : gitRevision() };
}
