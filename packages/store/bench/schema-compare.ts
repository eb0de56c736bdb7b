// Why the schema is an edges table and not one BLOB of dependency ids per
// package: reads the same graph from both layouts, interleaved, and prints
// the time to get it into typed arrays (what load() needs) and the file sizes.
// A benchmark, not a test. Run from the repo root:
//
//   npx pnpm@10.34.8 exec node packages/store/bench/schema-compare.ts [--packages N] [--rounds R]
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { parseArgs } from "node:util";
import { openStore } from "../src/index.ts";

const { values } = parseArgs({
  options: {
    packages: { type: "string", default: "200000" },
    rounds: { type: "string", default: "5" },
  },
});
const packages = Number(values.packages);
const rounds = Number(values.rounds);
const dir = mkdtempSync(join(tmpdir(), "pkgindex-schema-"));

function median(xs: number[]): number {
  const s = xs.toSorted((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

type Row = unknown[];

/** The store's own layout, through the store: packages + edges WITHOUT ROWID. */
function buildEdges(): string {
  const dataDir = join(dir, "edges");
  const store = openStore({ kind: "sqlite", dataDir, sync: "off" });
  const scratch: string[] = [];
  for (let i = 0; i < packages; i++) {
    let n = 0;
    for (const back of [1, 2, 3, 5, 8]) if (i - back >= 0) scratch[n++] = `package-${i - back}`;
    store.putPackage(`package-${i}`, scratch, n);
  }
  store.commit();
  store.close();
  return join(dataDir, "pkgindex.db");
}

/** The alternative: packages(id, name, deps BLOB of little-endian int32 ids). */
function buildBlob(): string {
  const path = join(dir, "blob.db");
  const db = new DatabaseSync(path);
  db.exec("PRAGMA journal_mode = WAL; CREATE TABLE packages (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, deps BLOB NOT NULL) STRICT");
  const insert = db.prepare("INSERT INTO packages VALUES (?, ?, ?)");
  db.exec("BEGIN");
  for (let i = 0; i < packages; i++) {
    const ids: number[] = [];
    for (const back of [1, 2, 3, 5, 8]) if (i - back >= 0) ids.push(i - back + 1);
    insert.run(i + 1, `package-${i}`, new Uint8Array(Int32Array.from(ids).buffer));
  }
  db.exec("COMMIT");
  db.close();
  return path;
}

function readEdges(path: string): number {
  const db = new DatabaseSync(path);
  db.exec("PRAGMA locking_mode = EXCLUSIVE");
  const sp = db.prepare("SELECT id, name FROM packages WHERE id > ? ORDER BY id LIMIT ?");
  const se = db.prepare("SELECT pkg, dep FROM edges WHERE pkg >= ? AND pkg <= ? ORDER BY pkg, dep");
  sp.setReturnArrays(true);
  se.setReturnArrays(true);
  const names: string[] = [];
  const ids: number[] = [];
  for (let after = 0; ; ) {
    const rows = sp.all(after, 16384) as unknown as Row[];
    for (const r of rows) {
      ids.push(r[0] as number);
      names.push(r[1] as string);
    }
    if (rows.length < 16384) break;
    after = rows[rows.length - 1][0] as number;
  }
  const deps = new Int32Array(packages * 5);
  let e = 0;
  for (let i = 0; i < ids.length; i += 4096) {
    const rows = se.all(ids[i], ids[Math.min(ids.length, i + 4096) - 1]) as unknown as Row[];
    for (const r of rows) deps[e++] = (r[1] as number) - 1;
  }
  db.close();
  return e;
}

function readBlob(path: string): number {
  const db = new DatabaseSync(path);
  db.exec("PRAGMA locking_mode = EXCLUSIVE");
  const sp = db.prepare("SELECT id, name, deps FROM packages WHERE id > ? ORDER BY id LIMIT ?");
  sp.setReturnArrays(true);
  const names: string[] = [];
  const deps = new Int32Array(packages * 5);
  let e = 0;
  for (let after = 0; ; ) {
    const rows = sp.all(after, 16384) as unknown as Row[];
    for (const r of rows) {
      names.push(r[1] as string);
      const b = r[2] as Uint8Array;
      const a = new Int32Array(b.buffer, b.byteOffset, b.byteLength >> 2);
      for (let k = 0; k < a.length; k++) deps[e++] = a[k] - 1;
    }
    if (rows.length < 16384) break;
    after = rows[rows.length - 1][0] as number;
  }
  db.close();
  return e;
}

try {
  let t = performance.now();
  const edgesPath = buildEdges();
  const edgesBuild = performance.now() - t;
  t = performance.now();
  const blobPath = buildBlob();
  const blobBuild = performance.now() - t;
  console.log(`node ${process.version}, ${packages} packages x up to 5 deps, ${rounds} rounds interleaved`);
  console.log(`edges: ${(statSync(edgesPath).size / 1048576).toFixed(1)} MiB, built via the store in ${edgesBuild.toFixed(0)} ms`);
  console.log(`blob:  ${(statSync(blobPath).size / 1048576).toFixed(1)} MiB, built raw in ${blobBuild.toFixed(0)} ms`);
  const cpu = { edges: [] as number[], blob: [] as number[] };
  for (let r = 0; r < rounds; r++) {
    for (const layout of ["edges", "blob"] as const) {
      const c = process.cpuUsage();
      const n = layout === "edges" ? readEdges(edgesPath) : readBlob(blobPath);
      const d = process.cpuUsage(c);
      cpu[layout].push((d.user + d.system) / 1000);
      if (n < packages) throw new Error(`${layout}: read ${n} edges`);
    }
  }
  console.log(`read cpu ms, edges: ${cpu.edges.map((x) => x.toFixed(0)).join(" ")} (median ${median(cpu.edges).toFixed(0)})`);
  console.log(`read cpu ms, blob:  ${cpu.blob.map((x) => x.toFixed(0)).join(" ")} (median ${median(cpu.blob).toFixed(0)})`);
  console.log(`edges / blob = ${(median(cpu.edges) / median(cpu.blob)).toFixed(2)}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
