import { readFileSync } from "node:fs";

// Baked in by esbuild (apps/server/build.mjs `define`), so the bundle needs
// no package.json beside it; running from source reads package.json.
declare const PKGINDEX_BAKED_VERSION: string | undefined;

function fromPackageJson(): string {
  const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string };
  return pkg.version;
}

/** apps/server/package.json's version: what `pkgindex --version` prints. */
export const VERSION: string = typeof PKGINDEX_BAKED_VERSION === "string" ? PKGINDEX_BAKED_VERSION : fromPackageJson();
