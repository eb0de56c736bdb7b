// Removes what prepack.mjs copied in for `pnpm pack`.
import { rmSync } from "node:fs";

for (const file of ["LICENSE", "CHANGELOG.md"]) rmSync(new URL(`./${file}`, import.meta.url), { force: true });
