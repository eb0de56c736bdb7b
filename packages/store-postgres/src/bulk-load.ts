import { PkgIndexError } from "@pkgindex/errors";
import type { Client } from "pg";
import { dependencyOrder } from "@pkgindex/store";
import { CHANGES_CHANNEL, WRITER_LOCK_KEY } from "./schema.ts";

export interface PgBulkLoadOptions {
  /** Names the input in refusals (the file path). */
  source?: string;
  /** A dependency without an entry of its own: refuse (default) or create it with no dependencies. */
  missing?: "refuse" | "create";
  /** Accept dependency cycles (for an index served with cycles allowed). */
  allowCycles?: boolean;
  /** Replace an index that holds packages (in the same transaction) instead of refusing it. */
  replace?: boolean;
  /** Line of entries[i] in the source, so that refusals name it (parseBrew's `lines`). */
  lines?: readonly number[];
}

export interface PgBulkLoadStats {
  packages: number;
  edges: number;
  /** Packages created because they appeared only as dependencies. */
  created: number;
  /** Packages of the old index that `replace` removed. */
  replaced: number;
  /** The revision after the load. */
  revision: number;
  millis: number;
}

// Same rule as the protocol and the CHECK constraint on pkgindex.packages.
function isValidName(name: string): boolean {
  if (name.length === 0 || name.length > 255) return false;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c < 0x21 || c > 0x7e || c === 0x7c || c === 0x2c) return false;
  }
  return true;
}

function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The work of PostgresStore.bulkLoad on its connection. Everything about the
 * entries is checked before anything is sent, so a refused file changes
 * nothing; then one transaction: writer lock, the emptiness check, the old
 * index deleted (replace), packages, edges and change records written set by
 * set (a few statements, not one per package).
 *
 * Revisions: a load alters the index, so it is recorded like any change:
 * one REMOVE per package of the index it replaces (by name), then one INDEX
 * per package in dependency order, so that the change feed can replay it:
 * the same changes the SQLite store records for `load --replace`. Packages on a
 * cycle are recorded twice, first without dependencies (so each exists
 * before anything depends on it), as @pkgindex/store's bulkLoad writes them.
 */
export async function bulkLoadInto(
  client: Client,
  entries: readonly { name: string; deps: readonly string[] }[],
  options: PgBulkLoadOptions,
  commitError: (err: unknown, beforeCommit: boolean) => PkgIndexError,
): Promise<PgBulkLoadStats> {
  const started = performance.now();
  const source = options.source ?? "<entries>";
  const fail = (reason: string, entry?: number): PkgIndexError => {
    const line = entry === undefined ? undefined : options.lines?.[entry];
    return new PkgIndexError("PKGI_LOAD_FILE", { path: source, reason: line === undefined ? reason : `line ${line}: ${reason}` });
  };

  const names: string[] = [];
  const indexOf = new Map<string, number>();
  for (const [i, { name }] of entries.entries()) {
    if (!isValidName(name)) throw fail(`invalid package name ${JSON.stringify(name)}`, i);
    if (indexOf.has(name)) throw fail(`package ${name} is listed twice`, i);
    indexOf.set(name, names.length);
    names.push(name);
  }
  const listed = names.length;
  const depsOf: number[][] = [];
  for (const [i, { name, deps }] of entries.entries()) {
    const ids: number[] = [];
    for (const dep of deps) {
      let j = indexOf.get(dep);
      if (j === undefined) {
        if (!isValidName(dep)) throw fail(`invalid dependency name ${JSON.stringify(dep)} of ${name}`, i);
        if (options.missing !== "create") throw fail(`package ${name} depends on ${dep}, which is not listed`, i);
        j = names.length;
        indexOf.set(dep, j);
        names.push(dep);
      }
      if (!ids.includes(j)) ids.push(j);
    }
    depsOf.push(ids);
  }
  const count = names.length;
  const depStart = new Int32Array(count + 1);
  const flat: number[] = [];
  for (let i = 0; i < count; i++) {
    depStart[i] = flat.length;
    for (const j of depsOf[i] ?? []) flat.push(j);
  }
  depStart[count] = flat.length;
  const depList = Int32Array.from(flat);
  const { order, ordered } = dependencyOrder({ count, depStart, depList });
  if (ordered < count && options.allowCycles !== true) {
    const first = order[ordered];
    throw fail(`package ${names[first]} is on or behind a dependency cycle`, first < listed ? first : undefined);
  }

  // Set-wise parameters: package names in dependency order, edges as two
  // parallel name arrays, change records as (name, deps) pairs.
  const packageNames: string[] = [];
  for (let k = 0; k < count; k++) packageNames.push(names[order[k]]);
  const edgePkg: string[] = [];
  const edgeDep: string[] = [];
  for (let i = 0; i < count; i++) {
    for (let e = depStart[i]; e < depStart[i + 1]; e++) {
      edgePkg.push(names[i]);
      edgeDep.push(names[depList[e]]);
    }
  }
  const changeName: string[] = [];
  const changeDeps: string[] = [];
  const depText = (i: number): string => {
    const list: string[] = [];
    for (let e = depStart[i]; e < depStart[i + 1]; e++) list.push(names[depList[e]]);
    return list.toSorted(byName).join(",");
  };
  for (let k = ordered; k < count; k++) {
    changeName.push(names[order[k]]);
    changeDeps.push("");
  }
  for (let k = 0; k < count; k++) {
    changeName.push(names[order[k]]);
    changeDeps.push(depText(order[k]));
  }

  await client.query("BEGIN ISOLATION LEVEL READ COMMITTED").catch((err: unknown) => {
    throw commitError(err, true);
  });
  // Until COMMIT is sent, any failure (a lost connection included) means
  // nothing was stored; only a failure of the COMMIT itself is unknown.
  let committing = false;
  try {
    await client.query(`SELECT pg_advisory_xact_lock(${WRITER_LOCK_KEY})`);
    const held = Number((await client.query<[string]>({ text: "SELECT count(*) FROM pkgindex.packages", rowMode: "array" })).rows[0][0]);
    if (held > 0 && options.replace !== true) {
      throw fail(`the index already holds ${held} packages; load never merges: use --replace to replace that index, or load into an empty one`);
    }
    // One time for every change of the load, never before the last one recorded (as pkgindex.apply stamps).
    const [[revisionText, stamp]] = (
      await client.query<[string, string]>({
        text: `SELECT m.revision::text, greatest(clock_timestamp(), (SELECT c.at FROM pkgindex.changes c ORDER BY c.revision DESC LIMIT 1))::text
                 FROM pkgindex.meta m`,
        rowMode: "array",
      })
    ).rows;
    let revision = Number(revisionText);
    if (held > 0) {
      await client.query(
        `INSERT INTO pkgindex.changes (revision, command, name, deps, at)
         SELECT $1::bigint + row_number() OVER (ORDER BY p.name), 'REMOVE', p.name, '', $2::timestamptz FROM pkgindex.packages p`,
        [revision, stamp],
      );
      revision += held;
      await client.query("DELETE FROM pkgindex.edges");
      await client.query("DELETE FROM pkgindex.packages");
    }
    await client.query("INSERT INTO pkgindex.packages (name) SELECT unnest($1::text[])", [packageNames]);
    await client.query(
      `INSERT INTO pkgindex.edges (pkg, dep)
       SELECT p.id, d.id FROM unnest($1::text[], $2::text[]) AS e (pkg, dep)
         JOIN pkgindex.packages p ON p.name = e.pkg
         JOIN pkgindex.packages d ON d.name = e.dep`,
      [edgePkg, edgeDep],
    );
    await client.query(
      `INSERT INTO pkgindex.changes (revision, command, name, deps, at)
       SELECT $1::bigint + c.n, 'INDEX', c.name, c.deps, $4::timestamptz FROM unnest($2::text[], $3::text[]) WITH ORDINALITY AS c (name, deps, n)`,
      [revision, changeName, changeDeps, stamp],
    );
    revision += changeName.length;
    await client.query("UPDATE pkgindex.meta SET revision = $1", [revision]);
    // Delivered at COMMIT: every node's change feed reads the load then.
    await client.query("SELECT pg_notify($1, $2)", [CHANGES_CHANNEL, String(revision)]);
    committing = true;
    await client.query("COMMIT");
    return { packages: count, edges: depList.length, created: count - listed, replaced: held, revision, millis: performance.now() - started };
  } catch (err) {
    if (!committing) await client.query("ROLLBACK").catch(() => {});
    throw commitError(err, !committing);
  }
}
