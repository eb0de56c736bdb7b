// `pnpm pack` in apps/server: the tarball ships the bundle (dist/, built by
// `pnpm build`, not here, so packing never rewrites files a running test or
// server is using) and the repository's LICENSE and CHANGELOG.md, copied in
// for the pack and removed again by postpack.mjs.
import { copyFileSync, existsSync } from "node:fs";

if (!existsSync(new URL("./dist/pkgindex.js", import.meta.url))) {
  console.error("prepack: apps/server/dist is missing: run `npx -y pnpm@10.34.8 build` first");
  process.exit(1);
}
for (const file of ["LICENSE", "CHANGELOG.md"]) copyFileSync(new URL(`../../${file}`, import.meta.url), new URL(`./${file}`, import.meta.url));
