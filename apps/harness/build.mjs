// Bundles the CLI into dist/ so `pnpm harness` and the bin run with plain
// `node` and no workspace sources.
import { bundleApp } from "../../scripts/bundle.mjs";

await bundleApp({ entryPoints: { cli: "src/bin.ts" } });
