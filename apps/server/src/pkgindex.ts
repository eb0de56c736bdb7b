#!/usr/bin/env node
// The bin entry. It must parse and run on old Node versions too, so it only
// answers --version, checks the version and then loads the real CLI, which
// may use anything Node 24 has: the store needs StatementSync.setReturnArrays
// (new in 24), besides node:sqlite, reusePort and type stripping in development.
import { VERSION } from "./version.ts";

const NEEDED = [24, 0];
const argv = process.argv.slice(2);

// --version anywhere before `--`, on any command and any Node: the one place
// it is answered (yargs only lists it in --help).
const end = argv.indexOf("--");
if ((end === -1 ? argv : argv.slice(0, end)).includes("--version")) {
  process.stdout.write(`${VERSION}\n`);
  process.exit(0);
}

const [major, minor] = process.versions.node.split(".").map(Number);
if (major < NEEDED[0] || (major === NEEDED[0] && minor < NEEDED[1])) {
  process.stderr.write(
    `pkgindex: [PKGI_NODE_VERSION] Node.js ${process.versions.node} is too old: pkgindex needs Node.js ${NEEDED.join(".")} or newer\n`,
  );
  process.exit(1);
}

const ext = import.meta.url.endsWith(".ts") ? ".ts" : ".js";
const { main } = await import(new URL(`./cli${ext}`, import.meta.url).href);
await main(argv);
