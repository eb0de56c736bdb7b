// Bundles the CLI into dist/ so `pnpm harness` and the bin run with plain
// `node` and no workspace sources.
import { build } from "esbuild";

await build({
  entryPoints: { cli: "src/cli.ts" },
  outdir: "dist",
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node22",
  sourcemap: true,
  banner: {
    // Bundled CommonJS code may still call require().
    js: "import { createRequire as __harnessCreateRequire } from 'node:module'; const require = __harnessCreateRequire(import.meta.url);",
  },
  logLevel: "warning",
});
