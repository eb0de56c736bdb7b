import type { Argv, CommandModule } from "yargs";
import { dumpBrew, formatBrew, openStore } from "@pkgindex/store";
import { withEnvDefaults } from "./env-defaults.ts";
import { checkStoreTarget, connectPostgres, STORE_TARGET_OPTIONS, type RawStoreTarget } from "./store-target.ts";
import { fileArgument } from "./file-argument.ts";
import { writeOutput } from "./write-output.ts";

const DUMP_OPTIONS = {
  "data-dir": { type: "string", default: "./data", describe: "Directory of the SQLite database to read" },
  ...STORE_TARGET_OPTIONS,
} as const;

export interface RawDumpOptions extends RawStoreTarget {
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
  checkStoreTarget(raw);
  const text = raw.store === "postgres" ? await dumpPostgres(raw) : dumpSqlite(raw);
  await writeOutput(fileArgument(raw.file), text, "the dump");
}

function dumpSqlite(raw: RawDumpOptions): string {
  const store = openStore({ kind: "sqlite", dataDir: raw.dataDir, sync: "full", readOnly: true });
  try {
    return dumpBrew(store);
  } finally {
    store.close();
  }
}

/** One consistent snapshot of the shared index; nodes may keep serving meanwhile. */
async function dumpPostgres(raw: RawDumpOptions): Promise<string> {
  const store = await connectPostgres(raw);
  try {
    return formatBrew(await store.dumpEntries());
  } finally {
    await store.close();
  }
}

export const DUMP_COMMAND: CommandModule<object, RawDumpOptions> = {
  command: "dump [file]",
  describe: "Write the index in --data-dir (or PostgreSQL: --store postgres) as brew-format text (name: dep dep), sorted, to FILE or stdout",
  builder: (y: Argv) =>
    y
      .positional("file", { type: "string", describe: "Where to write the dump (a file is written whole, then renamed into place; a symlink is followed; a device or FIFO is written in place); - or none: stdout" })
      .options(withEnvDefaults(DUMP_OPTIONS))
      .epilogue(
        "SQLite: the server must be stopped: it holds the database's lock while it runs, and a dump of a directory in use is refused " +
          "(PKGI_DB_LOCKED); back up a running server with pkgindex backup. The output is canonical (packages and dependencies sorted by name), so two dumps of the same index " +
          "are byte-identical. Restore with: pkgindex load FILE. PostgreSQL (--store postgres): one consistent snapshot, " +
          "taken while the nodes keep serving.",
      ) as unknown as Argv<RawDumpOptions>,
  handler: async (args) => dumpCommand(args),
};
