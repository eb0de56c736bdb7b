import type { Argv, CommandModule } from "yargs";
import { withEnvDefaults } from "./env-defaults.ts";
import { fileArgument } from "./file-argument.ts";
import { bad, integer } from "./options.ts";
import { writeOutput } from "./write-output.ts";

// --admin-host and --admin-port name what they name for serve (and read the
// same PKGINDEX_ADMIN_* variables), seen from the other end.
const BACKUP_OPTIONS = {
  "admin-host": { type: "string", default: "127.0.0.1", describe: "Address of the running server's admin HTTP server" },
  "admin-port": { type: "number", default: 9090, describe: "Its port" },
} as const;

export interface RawBackupOptions {
  file?: string;
  adminHost: string;
  adminPort: number;
}

/** Every SQLite database file starts with these 16 bytes. */
const SQLITE_MAGIC = Buffer.from("SQLite format 3\0", "latin1");

/**
 * `pkgindex backup [FILE]`: a live backup of a running server, through its
 * admin server (POST /backup): the state owner copies the committed index
 * between two batches while clients go on being served. FILE is a complete
 * SQLite database: restore it by putting it in an empty data directory as
 * pkgindex.db (docs/OPERATIONS.md).
 */
export async function backupCommand(raw: RawBackupOptions): Promise<void> {
  if (typeof raw.adminHost !== "string" || raw.adminHost.trim() === "") throw bad("admin-host", "expected an address");
  integer("admin-port", raw.adminPort, 1, 65535);
  const host = raw.adminHost.includes(":") ? `[${raw.adminHost}]` : raw.adminHost;
  const url = `http://${host}:${raw.adminPort}/backup`;
  let body: Buffer;
  try {
    const res = await fetch(url, { method: "POST" });
    body = Buffer.from(await res.arrayBuffer());
    if (res.status !== 200) throw new Error(`${url} answered ${res.status}: ${body.toString("utf8").trim()}`);
  } catch (err) {
    // fetch says only "fetch failed"; the reason is in its cause.
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    const why = cause?.code ?? cause?.message;
    throw new Error(why === undefined ? `backup failed: ${(err as Error).message}` : `backup failed: cannot reach ${url} (${why})`, { cause: err });
  }
  if (!body.subarray(0, SQLITE_MAGIC.length).equals(SQLITE_MAGIC)) throw new Error(`backup failed: ${url} sent something that is not a SQLite database`);
  await writeOutput(fileArgument(raw.file), body, "the backup");
}

export const BACKUP_COMMAND: CommandModule<object, RawBackupOptions> = {
  command: "backup [file]",
  describe: "Back up a running server without stopping it (its admin server's POST /backup) into FILE, a SQLite database",
  builder: (y: Argv) =>
    y
      .positional("file", { type: "string", describe: "Where to write the backup (written whole, then renamed into place); - or none: stdout" })
      .options(withEnvDefaults(BACKUP_OPTIONS))
      .example("pkgindex backup /srv/backups/pkgindex-$(date +%F).db", "from the server's admin port on 127.0.0.1:9090")
      .epilogue(
        "The copy is SQLite's VACUUM INTO, run by the state owner between two batches: a consistent, compacted snapshot of " +
          "everything committed, taken while clients are served (writes wait for the copy; reads in worker mode do not). " +
          "Restore: stop the server, put the file in an empty data directory as pkgindex.db, start the server on it. " +
          "A --store memory server has nothing to back up (409).",
      ) as unknown as Argv<RawBackupOptions>,
  handler: async (args) => backupCommand(args),
};
