import type { Argv, CommandModule } from "yargs";
import { dumpBrew, openStore } from "@pkgindex/store";
import { withEnvDefaults } from "./env-defaults.ts";
import { fileArgument } from "./file-argument.ts";
import { writeOutput } from "./write-output.ts";

const DUMP_OPTIONS = {
  "data-dir": { type: "string", default: "./data", describe: "Directory of the SQLite database to read" },
} as const;

export interface RawDumpOptions {
  file?: string;
  dataDir: string;
}

/**
 * `pkgindex dump [FILE]`: the index in the data directory as brew-format
 * text, sorted (the canonical text of dumpBrew), to FILE or stdout.
 *
 * The store is opened read-only. The server holds the database's lock for
 * as long as it runs (one process per data directory; docs/STORAGE.md), so
 * a dump of a directory in use is refused with PKGI_DB_LOCKED: stop the
 * server first. A dump reads one consistent snapshot (one read transaction).
 */
export async function dumpCommand(raw: RawDumpOptions): Promise<void> {
  const store = openStore({ kind: "sqlite", dataDir: raw.dataDir, sync: "full", readOnly: true });
  let text: string;
  try {
    text = dumpBrew(store);
  } finally {
    store.close();
  }
  await writeOutput(fileArgument(raw.file), text, "the dump");
}

export const DUMP_COMMAND: CommandModule<object, RawDumpOptions> = {
  command: "dump [file]",
  describe: "Write the index in --data-dir as brew-format text (name: dep dep), sorted, to FILE or stdout",
  builder: (y: Argv) =>
    y
      .positional("file", { type: "string", describe: "Where to write the dump (a file is written whole, then renamed into place; a symlink is followed; a device or FIFO is written in place); - or none: stdout" })
      .options(withEnvDefaults(DUMP_OPTIONS))
      .epilogue(
        "The server must be stopped: it holds the database's lock while it runs, and a dump of a directory in use is refused " +
          "(PKGI_DB_LOCKED); back up a running server with pkgindex backup. The output is canonical (packages and dependencies sorted by name), so two dumps of the same index " +
          "are byte-identical. Restore with: pkgindex load FILE.",
      ) as unknown as Argv<RawDumpOptions>,
  handler: async (args) => dumpCommand(args),
};
