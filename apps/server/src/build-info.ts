import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import type { BuildInfo } from "@pkgindex/runtime";

// Set by esbuild (apps/server/build.mjs) in dist/, where no package.json or
// git checkout need be beside the bundle (the Docker image has neither).
declare const PKGINDEX_BUILD_INFO: BuildInfo | undefined;

function fromSource(): BuildInfo {
  const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string };
  let revision = "unknown";
  try {
    revision = execFileSync("git", ["rev-parse", "--short=12", "HEAD"], { cwd: new URL(".", import.meta.url), encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    // Not a checkout: the revision stays unknown.
  }
  return { version: pkg.version, revision };
}

/** The version and revision pkgindex_build_info reports. */
export function buildInfo(): BuildInfo {
  return typeof PKGINDEX_BUILD_INFO === "undefined" ? fromSource() : PKGINDEX_BUILD_INFO;
}
