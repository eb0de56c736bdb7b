// Bundles the CLI and each worker thread as its own entry point, so dist/
// runs with plain `node` and no workspace sources or node_modules (the
// Docker image and the packed tarball ship only dist/). pkgindex.js is the
// entry: it answers --version, checks the Node version, then loads cli.js.
import { readFileSync } from "node:fs";
import { bundleApp } from "../../scripts/bundle.mjs";

const { version } = JSON.parse(readFileSync(new URL("./package.json", import.meta.url), "utf8"));

await bundleApp({
  entryPoints: {
    pkgindex: "src/pkgindex.ts",
    cli: "src/cli.ts",
    "io-worker": "../../packages/runtime/src/io-worker.ts",
    "state-owner-worker": "../../packages/runtime/src/state-owner-worker.ts",
  },
  // The version is baked in, so --version never reads a file at run time.
  define: { PKGINDEX_BAKED_VERSION: JSON.stringify(version) },
});
