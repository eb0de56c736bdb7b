// Threads run from source (.ts, Node's type stripping) in development and
// tests, and from esbuild's dist/ (each worker its own .js entry beside the
// CLI bundle) in deployment. The extension of this module tells which.
const ext = import.meta.url.endsWith(".ts") ? ".ts" : ".js";

export const IO_WORKER_URL = new URL(`./io-worker${ext}`, import.meta.url);
export const STATE_OWNER_URL = new URL(`./state-owner-worker${ext}`, import.meta.url);
