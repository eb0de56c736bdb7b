// Builds what the published package runs: one ESM file for Node 20+ with no
// dependencies (so `npm install` of the tarball needs no registry), plus the
// declaration files from tsc, which esbuild does not write.
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

rmSync("dist", { recursive: true, force: true });
await build({
  entryPoints: ["src/index.ts"],
  outfile: "dist/index.js",
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
execFileSync(tsc, ["-p", "tsconfig.build.json"], { stdio: "inherit" });

// tsc keeps the sources' `./x.ts` specifiers in declarations; TypeScript
// before 5.x and other tools resolve `./x.js` to x.d.ts, so ship that form.
for (const file of readdirSync("dist")) {
  if (!file.endsWith(".d.ts")) continue;
  const text = readFileSync(`dist/${file}`, "utf8");
  writeFileSync(`dist/${file}`, text.replace(/(from\s+["']\.{1,2}\/[^"']+)\.ts(["'])/g, "$1.js$2"));
}
