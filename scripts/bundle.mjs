// The one esbuild configuration every app bundles with: ESM for Node 24+,
// each entry point its own file (worker threads and piscina tasks are loaded
// by file name), and a `require` for bundled CommonJS dependencies.
import { readFile } from "node:fs/promises";
import { isBuiltin } from "node:module";
import { build } from "esbuild";

// Node's built-in modules are loaded with `require`, never with an ESM
// `import`: linking an ESM import of a built-in reads every export of it, and
// reading `node:http`'s lazy `WebSocket`/`EventSource` getters loads all of
// undici (about 12 MiB of RSS per thread, docs/DECISIONS.md "Issue 19").
// `require` returns the exports object and reads nothing; esbuild's interop
// then reads each export where it is used.
const builtinsByRequire = {
  name: "builtins-by-require",
  setup(b) {
    b.onResolve({ filter: /^[a-z:_/0-9]+$/ }, (args) => {
      if (args.kind !== "import-statement" && args.kind !== "dynamic-import") return undefined;
      if (!isBuiltin(args.path)) return undefined;
      return { path: args.path, namespace: "builtin-by-require" };
    });
    b.onLoad({ filter: /.*/, namespace: "builtin-by-require" }, (args) => ({
      contents: `module.exports = require(${JSON.stringify(args.path)});`,
      loader: "js",
    }));
  },
};

// Two edits to dependencies' code, each made for RSS (docs/DECISIONS.md,
// "Issue 19"), each failing the build when its text is no longer found, so
// a dependency update cannot make one silently stop applying.
const SOURCE_EDITS = [
  {
    // yargs renders the whole help text of a command each time it runs the
    // command's handler, only to cache it for a fail() callback that might
    // print it. Ours never prints help from fail() (cli.ts names the problem
    // in one line), and the rendering (cliui, string-width, the emoji regex,
    // ICU normalisation) costs `serve` about 9 MiB of RSS it keeps. Without
    // the cache `--help` renders exactly as before.
    file: /[\\/]yargs[\\/]build[\\/]lib[\\/]usage\.js$/,
    find: "cachedHelpMessage = this.help();",
    replace: "cachedHelpMessage = undefined;",
  },
  {
    // string-width (yargs' cliui) builds an Intl.Segmenter when imported,
    // which maps ICU's break-iterator data into every process that never
    // measures a string; made on first use instead.
    file: /[\\/]string-width[\\/]index\.js$/,
    find: "const segmenter = new Intl.Segmenter();",
    replace: "let realSegmenter; const segmenter = { segment: (text) => (realSegmenter ??= new Intl.Segmenter()).segment(text) };",
  },
];
const sourceEdits = {
  name: "source-edits",
  setup(b) {
    for (const edit of SOURCE_EDITS) {
      b.onLoad({ filter: edit.file }, async (args) => {
        const source = await readFile(args.path, "utf8");
        if (!source.includes(edit.find)) {
          return { errors: [{ text: `source-edits: "${edit.find}" not found in ${args.path}; review the edit for this version` }] };
        }
        return { contents: source.replace(edit.find, edit.replace), loader: "js" };
      });
    }
  },
};

/**
 * `splitting: false` makes each entry one self-contained file (a launcher
 * that must answer on any Node before it loads anything else).
 *
 * @param {{ entryPoints: Record<string, string>, external?: string[], define?: Record<string, string>, splitting?: boolean }} options
 */
export function bundleApp({ entryPoints, external = [], define = {}, splitting = true }) {
  return build({
    entryPoints,
    outdir: "dist",
    bundle: true,
    splitting,
    platform: "node",
    format: "esm",
    target: "node24",
    sourcemap: true,
    external,
    define,
    plugins: [builtinsByRequire, sourceEdits],
    banner: {
      js: "import { createRequire as __pkgindexCreateRequire } from 'node:module'; const require = __pkgindexCreateRequire(import.meta.url);",
    },
    logLevel: "warning",
  });
}
