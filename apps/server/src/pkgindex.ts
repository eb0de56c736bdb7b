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

// `serve` runs with a small young generation on the main thread (the worker
// threads get theirs through resourceLimits): under connection churn V8
// otherwise grows it to tens of MiB and RSS doubles before a collection
// (docs/DECISIONS.md, "Issue 19"). It also grows the old generation by only
// 10% past what the last full collection kept, not by V8's default factor
// (up to 4x for a small heap): a closed connection's objects are promoted
// before they die, and under churn the default let RSS climb ~40 MiB above
// idle before a full collection. V8 reads both only when the process
// starts, so the process replaces itself once with the flags (same pid: the
// signals and the exit status stay the server's own). A flag given in
// node's own flags or NODE_OPTIONS is kept.
//
// The same replacement sets glibc's mmap threshold to its default, 128 KiB,
// which fixes it: glibc otherwise raises the threshold to the size of each
// large block freed, so the typed arrays of a growing index (freed on every
// doubling) move onto the malloc heap, whose freed space stays resident:
// 7 MiB of RSS at 200,000 packages (docs/DECISIONS.md, "Issue 19"). A value
// in the environment is kept; other C libraries ignore the variable.
const V8_FLAGS = ["--max-semi-space-size=1", "--heap-growing-percent=10"];
const MMAP_THRESHOLD_ENV = "MALLOC_MMAP_THRESHOLD_";
const given = (flag: string) => {
  const name = flag.slice(0, flag.indexOf("="));
  return process.execArgv.some((a) => a.startsWith(name)) || (process.env.NODE_OPTIONS ?? "").includes(name);
};
const addFlags = V8_FLAGS.filter((f) => !given(f));
const addEnv = process.env[MMAP_THRESHOLD_ENV] === undefined;
if (process.argv[2] === "serve" && typeof process.execve === "function" && (addFlags.length > 0 || addEnv)) {
  process.execve(
    process.execPath,
    [process.execPath, ...addFlags, ...process.execArgv, ...process.argv.slice(1)],
    addEnv ? { ...process.env, [MMAP_THRESHOLD_ENV]: "131072" } : process.env,
  );
}

const ext = import.meta.url.endsWith(".ts") ? ".ts" : ".js";
const { main } = await import(new URL(`./cli${ext}`, import.meta.url).href);
await main(argv);
