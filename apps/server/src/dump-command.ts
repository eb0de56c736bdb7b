import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import path from "node:path";
import type { Argv, CommandModule } from "yargs";
import { dumpBrew, formatBrew, openStore } from "@pkgindex/store";
import { withEnvDefaults } from "./env-defaults.ts";
import { checkStoreTarget, connectPostgres, STORE_TARGET_OPTIONS, type RawStoreTarget } from "./store-target.ts";

const DUMP_OPTIONS = {
  "data-dir": { type: "string", default: "./data", describe: "Directory of the SQLite database to read" },
  ...STORE_TARGET_OPTIONS,
} as const;

export interface RawDumpOptions extends RawStoreTarget {
  file?: string;
  dataDir: string;
}

/** Words for the errno codes a dump file is likely to meet. */
function describeWriteError(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  const words: Record<string, string> = {
    ENOENT: "its directory does not exist",
    ENOTDIR: "a component of the path is a file, not a directory",
    EISDIR: "it is a directory",
    EACCES: "permission denied",
    EROFS: "read-only file system",
    ENOSPC: "no space left on the device",
  };
  return e?.code !== undefined && words[e.code] !== undefined ? `${words[e.code]} (${e.code})` : String(e?.message ?? err);
}

/**
 * Writes `text` to `file` so that the file is either the old one or the
 * whole new dump, never half of it: a temporary file next to it, fsynced,
 * then renamed over it. A failed dump leaves no temporary file behind.
 */
function writeWhole(file: string, text: string): void {
  const target = path.resolve(file);
  const temp = `${target}.tmp-${process.pid}`;
  try {
    const fd = openSync(temp, "wx");
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, target);
  } catch (err) {
    rmSync(temp, { force: true });
    throw new Error(`cannot write the dump to ${file}: ${describeWriteError(err)}`, { cause: err });
  }
}

/**
 * Writes the dump to stdout; resolves once it is handed to the OS. A reader
 * that goes away early (`pkgindex dump | head`) ends the process quietly with
 * status 141, as SIGPIPE ends other tools; any other error is one line.
 */
function writeStdout(text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    process.stdout.once("error", (err: NodeJS.ErrnoException) => {
      if (err.code === "EPIPE") process.exit(141);
      reject(new Error(`cannot write the dump to stdout: ${describeWriteError(err)}`, { cause: err }));
    });
    process.stdout.write(text, (err) => {
      if (err == null) resolve();
    });
  });
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
  if (raw.file === undefined || raw.file === "-") await writeStdout(text);
  else writeWhole(raw.file, text);
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
      .positional("file", { type: "string", describe: "Where to write the dump (written whole, then renamed into place); - or none: stdout" })
      .options(withEnvDefaults(DUMP_OPTIONS))
      .epilogue(
        "SQLite: the server must be stopped: it holds the database's lock while it runs, and a dump of a directory in use is refused " +
          "(PKGI_DB_LOCKED). The output is canonical (packages and dependencies sorted by name), so two dumps of the same index " +
          "are byte-identical. Restore with: pkgindex load FILE. PostgreSQL (--store postgres): one consistent snapshot, " +
          "taken while the nodes keep serving.",
      ) as unknown as Argv<RawDumpOptions>,
  handler: async (args) => dumpCommand(args),
};
