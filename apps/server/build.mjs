// Bundles the CLI and each worker thread as its own entry point, so dist/
// runs with plain `node` and no workspace sources or node_modules (the
// Docker image and the packed tarball ship only dist/). pkgindex.js is the
// entry: it answers --version, checks the Node version, then loads cli.js.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { bundleApp } from "../../scripts/bundle.mjs";

const { version } = JSON.parse(readFileSync(new URL("./package.json", import.meta.url), "utf8"));
// pkgindex_build_info's revision (src/build-info.ts). PKGINDEX_REVISION
// overrides git, for a build context without .git (docker build).
let revision = process.env.PKGINDEX_REVISION ?? "unknown";
if (process.env.PKGINDEX_REVISION === undefined) {
  try {
    revision = execFileSync("git", ["rev-parse", "--short=12", "HEAD"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    // Not a checkout: the revision stays unknown.
  }
}

// Baked in, so neither --version nor /metrics reads a file or runs git at run time.
const define = { PKGINDEX_BAKED_VERSION: JSON.stringify(version), PKGINDEX_BAKED_REVISION: JSON.stringify(revision) };
// The entry stays one file of its own: it answers --version on any Node
// before it loads anything (a test reads the version in it).
await bundleApp({ entryPoints: { pkgindex: "src/pkgindex.ts" }, define, splitting: false });
await bundleApp({
  entryPoints: {
    cli: "src/cli.ts",
    "io-worker": "../../packages/runtime/src/io-worker.ts",
    "state-owner-worker": "../../packages/runtime/src/state-owner-worker.ts",
  },
  define,
});
