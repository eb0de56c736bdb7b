import { readFileSync } from "node:fs";
import type { Argv, CommandModule } from "yargs";
import { PkgIndexError } from "@pkgindex/errors";
import { bulkLoad, databasePath, openStore, parseBrew, type BulkLoadOptions, type Store } from "@pkgindex/store";
import { withEnvDefaults } from "./env-defaults.ts";
import { checkStoreTarget, connectPostgres, STORE_TARGET_OPTIONS, type RawStoreTarget } from "./store-target.ts";
import { fileArgument } from "./file-argument.ts";

const LOAD_OPTIONS = {
  "data-dir": { type: "string", default: "./data", describe: "Directory of the SQLite database to load into (created if missing)" },
  ...STORE_TARGET_OPTIONS,
} as const;

const LOAD_FLAGS = {
  replace: {
    type: "boolean",
    default: false,
    describe: "Replace an existing index: the old one is deleted in the same transaction as the new one is written (all or nothing)",
  },
  "create-missing": {
    type: "boolean",
    default: false,
    describe: "Create a package named only as a dependency, with no dependencies (brew's own output needs it), instead of refusing the file",
  },
  "allow-cycles": {
    type: "boolean",
    default: false,
    describe: "Accept dependency cycles (serve the result with --allow-cycles)",
  },
} as const;

export interface RawLoadOptions extends RawStoreTarget {
  file: string;
  dataDir: string;
  replace: boolean;
  createMissing: boolean;
  allowCycles: boolean;
}

/**
 * The store as bulkLoad should see it for --replace: empty. At the first
 * write it deletes every package in `old` (all the store holds), so the old index goes in
 * the same transaction as the new one arrives: a load that fails (or a
 * crash before its COMMIT) leaves the old index as it was.
 */
function replacing(store: Store, old: readonly string[]): Store {
  let cleared = false;
  const clear = (): void => {
    if (cleared) return;
    cleared = true;
    for (const name of old) store.deletePackage(name);
  };
  return {
    kind: store.kind,
    load: () => ({ packages: 0, edges: 0, millis: 0, unordered: 0 }),
    putPackage(name, deps, depCount) {
      clear();
      store.putPackage(name, deps, depCount);
    },
    deletePackage(name) {
      clear();
      store.deletePackage(name);
    },
    commit() {
      clear();
      store.commit();
    },
    get commits() {
      return store.commits;
    },
    rollback: () => store.rollback(),
    probe: () => store.probe(),
    close: () => store.close(),
  };
}

/**
 * `pkgindex load FILE`: bulk-loads brew-format text into the data directory
 * in one transaction, every package after its dependencies whatever the
 * order of the lines (the store's bulkLoad).
 *
 * The file is parsed and checked completely (names, repeats, missing
 * dependencies, cycles) before the data directory is even opened, so a
 * refused file creates and changes nothing. An index that already holds
 * packages is refused unless --replace: a load restores or migrates a whole
 * index and never merges (two indexes cannot in general be merged into one
 * consistent index, and a silent merge would keep packages the backup does
 * not have).
 */
export async function loadCommand(raw: RawLoadOptions): Promise<string> {
  checkStoreTarget(raw);
  let text: string;
  const file = fileArgument(raw.file) ?? "-";
  const fromStdin = file === "-";
  const source = fromStdin ? "stdin" : file;
  try {
    text = readFileSync(fromStdin ? 0 : file, "utf8");
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const reason = e.code === "ENOENT" ? "no such file (ENOENT)" : e.code === "EISDIR" ? "it is a directory (EISDIR)" : String(e.message);
    throw new PkgIndexError("PKGI_LOAD_FILE", { path: source, reason }, { cause: err });
  }
  const lines: number[] = [];
  const entries = parseBrew(text, source, lines);
  const options: BulkLoadOptions = {
    source,
    lines,
    missing: raw.createMissing ? "create" : "refuse",
    missingHint: "load with --create-missing to create such packages with no dependencies",
    allowCycles: raw.allowCycles,
  };
  // Check everything against a store that keeps nothing, before touching the disk.
  bulkLoad(openStore({ kind: "memory", dataDir: raw.dataDir, sync: "full" }), entries, options);
  if (raw.store === "postgres") return loadPostgres(raw, entries, options);

  const store = openStore({ kind: "sqlite", dataDir: raw.dataDir, sync: "full" });
  try {
    const old: string[] = [];
    store.load((name) => old.push(name));
    if (old.length > 0 && !raw.replace) {
      throw new PkgIndexError("PKGI_LOAD_FILE", {
        path: source,
        reason: `${databasePath(raw.dataDir)} already holds ${old.length} packages; load never merges: use --replace to replace that index, or load into an empty data directory`,
      });
    }
    const stats = bulkLoad(old.length > 0 ? replacing(store, old) : store, entries, options);
    const created = stats.created > 0 ? ` (${stats.created} of them named only as dependencies)` : "";
    const replaced = old.length > 0 ? `, replacing ${old.length} packages,` : "";
    return `loaded ${stats.packages} packages${created} and ${stats.edges} dependencies${replaced} into ${databasePath(raw.dataDir)} in ${Math.round(stats.millis)} ms\n`;
  } finally {
    store.close();
  }
}

/**
 * The same load into PostgreSQL: one transaction under the writer lock, so
 * nodes serving the index see the old index or the new one, never a part.
 */
async function loadPostgres(raw: RawLoadOptions, entries: ReturnType<typeof parseBrew>, options: BulkLoadOptions): Promise<string> {
  const store = await connectPostgres(raw, raw.allowCycles);
  try {
    const stats = await store.bulkLoad(entries, { ...options, replace: raw.replace });
    const created = stats.created > 0 ? ` (${stats.created} of them named only as dependencies)` : "";
    const replaced = stats.replaced > 0 ? `, replacing ${stats.replaced} packages,` : "";
    return `loaded ${stats.packages} packages${created} and ${stats.edges} dependencies${replaced} into PostgreSQL ${store.target} in ${Math.round(stats.millis)} ms\n`;
  } finally {
    await store.close();
  }
}

export const LOAD_COMMAND: CommandModule<object, RawLoadOptions> = {
  command: "load <file>",
  describe: "Bulk-load a brew-format file (name: dep dep) into --data-dir (or PostgreSQL: --store postgres), in dependency order, in one transaction",
  builder: (y: Argv) =>
    y
      .positional("file", { type: "string", describe: "The brew-format file, e.g. a pkgindex dump; - reads stdin" })
      .options(withEnvDefaults(LOAD_OPTIONS))
      .options(LOAD_FLAGS)
      .epilogue(
        "Replace, never merge: into a data directory whose index already holds packages, load refuses unless --replace, " +
          "which swaps the whole index in one transaction (restoring a backup). The file is checked completely first: a " +
          "line that is not `name: dep dep`, a bad name, a package listed twice, a dependency with no line of its own " +
          "(unless --create-missing) or a cycle (unless --allow-cycles) is refused with one line naming the line and " +
          "package, and nothing is written. SQLite: the server must be stopped (it holds the database's lock). PostgreSQL " +
          "(--store postgres): nodes may keep serving; the load is one transaction under the writers' lock.",
      ) as unknown as Argv<RawLoadOptions>,
  handler: async (args) => {
    process.stdout.write(await loadCommand(args));
  },
};
