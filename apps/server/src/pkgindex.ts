#!/usr/bin/env node
// The bin entry. It must parse and run on old Node versions too, so it only
// checks the version and then loads the real CLI, which may use anything
// Node 24 has: the store needs StatementSync.setReturnArrays (new in 24),
// besides node:sqlite, reusePort and type stripping in development.
const NEEDED = [24, 0];

const [major, minor] = process.versions.node.split(".").map(Number);
if (major < NEEDED[0] || (major === NEEDED[0] && minor < NEEDED[1])) {
  process.stderr.write(
    `pkgindex: [PKGI_NODE_VERSION] Node.js ${process.versions.node} is too old: pkgindex needs Node.js ${NEEDED.join(".")} or newer\n`,
  );
  process.exit(1);
}

const ext = import.meta.url.endsWith(".ts") ? ".ts" : ".js";
const { main } = await import(new URL(`./cli${ext}`, import.meta.url).href);
await main(process.argv.slice(2));
