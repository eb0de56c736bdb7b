// Bundles the CLI and each worker thread as its own entry point, so dist/
// runs with plain `node` and no workspace sources (docker/Dockerfile copies
// only dist/). pkgindex.js is the bin: it checks the Node version, then
// loads cli.js.
import { bundleApp } from "../../scripts/bundle.mjs";

await bundleApp({
  entryPoints: {
    pkgindex: "src/pkgindex.ts",
    cli: "src/cli.ts",
    "io-worker": "../../packages/runtime/src/io-worker.ts",
    "state-owner-worker": "../../packages/runtime/src/state-owner-worker.ts",
  },
});
