#!/usr/bin/env node
// The bin entry, apart from cli.ts so tests import main() without running it.
import { hideBin } from "yargs/helpers";
import { main } from "./cli.ts";

main(hideBin(process.argv)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(`pkgindex-bench: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exitCode = 70;
  },
);
