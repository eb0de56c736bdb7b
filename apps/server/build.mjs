// Bundles the CLI and each worker thread as its own entry point, so dist/
// runs with plain `node` and no workspace sources.
import { build } from "esbuild";

await build({
  entryPoints: {
    pkgindex: "src/pkgindex.ts",
    cli: "src/cli.ts",
    "io-worker": "../../packages/runtime/src/io-worker.ts",
    "state-owner-worker": "../../packages/runtime/src/state-owner-worker.ts",
  },
  outdir: "dist",
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node22",
  sourcemap: true,
  banner: {
    // Bundled CommonJS dependencies (yargs, pino) still call require().
    js: "import { createRequire as __pkgindexCreateRequire } from 'node:module'; const require = __pkgindexCreateRequire(import.meta.url);",
  },
  logLevel: "warning",
});
