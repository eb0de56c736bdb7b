import type { DatabaseSync } from "node:sqlite";
import type { CsrGraph } from "./dependency-order.ts";

/** The stored index in compact form: names by dense index, edges in CSR form. */
export interface StoredGraph extends CsrGraph {
  names: string[];
}

/** The database does not describe a consistent graph (dangling edges). */
export class GraphInconsistency extends Error {}

/** Rows per query: small enough that each chunk's row arrays die young. */
const CHUNK = 16_384;

/** Maps SQLite ids to dense indices: a flat table when ids are dense (the usual case), else a Map. */
function idIndex(ids: Float64Array, count: number): (id: number) => number {
  const maxId = count === 0 ? 0 : ids[count - 1];
  if (count > 0 && ids[0] >= 0 && maxId <= 4 * count + 1024) {
    const table = new Int32Array(maxId + 1).fill(-1);
    for (let i = 0; i < count; i++) table[ids[i]] = i;
    return (id) => (id >= 0 && id <= maxId ? table[id] : -1);
  }
  const map = new Map<number, number>();
  for (let i = 0; i < count; i++) map.set(ids[i], i);
  return (id) => map.get(id) ?? -1;
}

/**
 * Reads every package and edge in one read transaction, in chunks, straight
 * into typed arrays. Reading all 1M edge rows of a 200,000-package index with
 * one `.all()` kept a million row arrays alive at once and spent a third of
 * the load in the garbage collector; chunks of short-lived rows do not.
 */
export function readGraph(db: DatabaseSync): StoredGraph {
  const selectPackages = db.prepare("SELECT id, name FROM packages WHERE id > ? ORDER BY id LIMIT ?");
  const selectEdges = db.prepare("SELECT pkg, dep FROM edges WHERE pkg >= ? AND pkg <= ? ORDER BY pkg, dep");
  selectPackages.setReturnArrays(true);
  selectEdges.setReturnArrays(true);

  db.exec("BEGIN"); // one snapshot for both tables
  try {
    const names: string[] = [];
    let ids = new Float64Array(1024); // SQLite ids are 64-bit; a double holds every id below 2^53
    for (let after = Number.MIN_SAFE_INTEGER; ; ) {
      const rows = selectPackages.all(after, CHUNK) as unknown as [number, string][];
      for (const [id, name] of rows) {
        if (names.length === ids.length) {
          const grown = new Float64Array(ids.length * 2);
          grown.set(ids);
          ids = grown;
        }
        ids[names.length] = id;
        names.push(name);
      }
      if (rows.length < CHUNK) break;
      after = rows[rows.length - 1][0];
    }
    const count = names.length;
    const indexOf = idIndex(ids, count);

    const depStart = new Int32Array(count + 1);
    let depList = new Int32Array(Math.max(1024, count * 4));
    let e = 0;
    // Edges of packages i .. j-1 in one query; both tables are in id order,
    // so each package's edges are the next run of rows.
    for (let i = 0; i < count; ) {
      const j = Math.min(count, i + CHUNK / 4);
      const rows = selectEdges.all(ids[i], ids[j - 1]) as unknown as [number, number][];
      let k = i;
      for (const [pkg, depId] of rows) {
        while (ids[k] < pkg) depStart[++k] = e;
        if (ids[k] !== pkg) throw new GraphInconsistency(`an edge belongs to package id ${pkg}, which does not exist`);
        const dep = indexOf(depId);
        if (dep < 0) throw new GraphInconsistency(`package ${names[k]} depends on package id ${depId}, which does not exist`);
        if (e === depList.length) {
          const grown = new Int32Array(depList.length * 2);
          grown.set(depList);
          depList = grown;
        }
        depList[e++] = dep;
      }
      while (k < j) depStart[++k] = e;
      i = j;
    }
    depStart[count] = e;
    // Edges of unknown packages between two known ids failed above; those
    // below the first or above the last id (or with no packages at all)
    // show in the range, which the primary key answers without a scan.
    const range = db.prepare("SELECT min(pkg) AS lo, max(pkg) AS hi FROM edges").get() as { lo: number | null; hi: number | null };
    if (range.lo !== null && (count === 0 || range.lo < ids[0] || (range.hi as number) > ids[count - 1])) {
      throw new GraphInconsistency(`an edge belongs to package id ${count === 0 || range.lo < ids[0] ? range.lo : range.hi}, which does not exist`);
    }
    return { names, count, depStart, depList: depList.subarray(0, e) };
  } finally {
    db.exec("COMMIT");
  }
}
