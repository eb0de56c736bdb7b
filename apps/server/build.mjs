// Bundles the CLI and each worker thread as its own entry point, so dist/
// runs with plain `node` and no workspace sources (docker/Dockerfile copies
// only dist/). pkgindex.js is the bin: it checks the Node version, then
// loads cli.js.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { bundleApp } from "../../scripts/bundle.mjs";

// pkgindex_build_info's labels, fixed at build time (src/build-info.ts).
const { version } = JSON.parse(readFileSync(new URL("./package.json", import.meta.url), "utf8"));
let revision = process.env.PKGINDEX_REVISION ?? "unknown";
try {
  revision = process.env.PKGINDEX_REVISION ?? execFileSync("git", ["rev-parse", "--short=12", "HEAD"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
} catch {
  // Not a checkout (a Docker build context without .git): PKGINDEX_REVISION or unknown.
}

await bundleApp({
  entryPoints: {
    pkgindex: "src/pkgindex.ts",
    cli: "src/cli.ts",
    "io-worker": "../../packages/runtime/src/io-worker.ts",
    "state-owner-worker": "../../packages/runtime/src/state-owner-worker.ts",
  },
  define: { PKGINDEX_BUILD_INFO: JSON.stringify({ version, revision }) },
});
