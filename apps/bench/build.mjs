// Bundles the CLI, the load-thread task (its own entry point: piscina
// loads it by file name in each thread) and the feed bench's writer and sink threads. piscina stays external: it starts
// its worker threads from a script inside its own package.
import { bundleApp } from "../../scripts/bundle.mjs";

await bundleApp({ entryPoints: { cli: "src/bin.ts", "load-worker": "src/load-worker.ts", "feed-writer": "src/feed-writer.ts", "feed-sink": "src/feed-sink.ts" }, external: ["piscina"] });
