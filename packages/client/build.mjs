// Builds what the published package runs: one ESM file for Node 20+ with no
// dependencies (so `npm install` of the tarball needs no registry), plus the
// declaration files from tsc, which esbuild does not write.
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

// `node build.mjs [outdir]`: the packing test builds into a directory of its
// own, so it never removes the dist/ that other tests may be importing.
const outdir = path.resolve(process.argv[2] ?? "dist");
// Paths below are the package's own, wherever the build is started from.
const packageDir = fileURLToPath(new URL(".", import.meta.url));
rmSync(outdir, { recursive: true, force: true });
await build({
  absWorkingDir: packageDir,
  entryPoints: ["src/index.ts"],
  outfile: path.join(outdir, "index.js"),
  bundle: true,
  platform: "node",
  format: "esm",
  // The machine Node of most users, not the repository's pinned 24: nothing
  // in the client needs newer than 20.
  target: "node20",
  sourcemap: true,
  logLevel: "warning",
});
// The workspace's tsc, found by path so the build also runs outside pnpm.
const tsc = fileURLToPath(new URL("../../node_modules/.bin/tsc", import.meta.url));
execFileSync(tsc, ["-p", path.join(packageDir, "tsconfig.build.json"), "--outDir", outdir], { stdio: "inherit" });

// tsc keeps the sources' `./x.ts` specifiers in declarations; TypeScript
// before 5.x and other tools resolve `./x.js` to x.d.ts, so ship that form.
for (const file of readdirSync(outdir)) {
  if (!file.endsWith(".d.ts")) continue;
  const text = readFileSync(path.join(outdir, file), "utf8");
  writeFileSync(path.join(outdir, file), text.replace(/(from\s+["']\.{1,2}\/[^"']+)\.ts(["'])/g, "$1.js$2"));
}
