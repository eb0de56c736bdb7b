// The one esbuild configuration every app bundles with: ESM for Node 24+,
// each entry point its own file (worker threads and piscina tasks are loaded
// by file name), and a `require` for bundled CommonJS dependencies.
import { build } from "esbuild";

/**
 * @param {{ entryPoints: Record<string, string>, external?: string[], define?: Record<string, string> }} options
 */
export function bundleApp({ entryPoints, external = [], define = {} }) {
  return build({
    entryPoints,
    outdir: "dist",
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node24",
    sourcemap: true,
    external,
    define,
    banner: {
      js: "import { createRequire as __pkgindexCreateRequire } from 'node:module'; const require = __pkgindexCreateRequire(import.meta.url);",
    },
    logLevel: "warning",
  });
}
