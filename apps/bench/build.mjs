// Bundles the CLI and the load-thread task (its own entry point: piscina
// loads it by file name in each thread). piscina stays external: it starts
// its worker threads from a script inside its own package.
import { build } from "esbuild";

await build({
  entryPoints: { cli: "src/cli.ts", "load-worker": "src/load-worker.ts" },
  outdir: "dist",
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node22",
  sourcemap: true,
  external: ["piscina"],
  banner: {
    // Bundled CommonJS dependencies (hdr-histogram-js, yargs helpers) still call require().
    js: "import { createRequire as __benchCreateRequire } from 'node:module'; const require = __benchCreateRequire(import.meta.url);",
  },
  logLevel: "warning",
});
