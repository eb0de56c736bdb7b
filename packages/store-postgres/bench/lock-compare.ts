// Writer serialization: the transaction-level advisory lock pkgindex.apply
// takes, against the alternative, a row lock on pkgindex.meta (SELECT ...
// FOR UPDATE). Same function otherwise (the variant is made by replacing
// the one lock statement), same client, batches of 8, two kinds of batch:
//
// - "changing": INDEX lines that alter the index (both variants write and
//   flush WAL anyway);
// - "no-change": re-INDEXes of unchanged lists and FAILs (nothing to write:
//   the question is whether taking the lock alone costs a commit flush).
//
//   npx pnpm@10.34.8 exec node packages/store-postgres/bench/lock-compare.ts [rounds] [batches]
import { Client } from "pg";
import { PostgresStore } from "../src/index.ts";
import { MIGRATIONS, WRITER_LOCK_KEY } from "../src/schema.ts";
import { startCluster } from "@pkgindex/server-process";

const rounds = Number(process.argv[2] ?? 5);
const batchCount = Number(process.argv[3] ?? 400);
const SIZE = 8;

const advisory = `PERFORM pg_advisory_xact_lock(${WRITER_LOCK_KEY});`;
// The function as the newest migration that (re)creates it defines it.
const source = MIGRATIONS.findLast((m) => /CREATE (OR REPLACE )?FUNCTION pkgindex\.apply\(/.test(m)) ?? "";
const start = source.search(/CREATE (OR REPLACE )?FUNCTION pkgindex\.apply\(/);
if (start === -1 || !source.includes(advisory)) throw new Error("lock-compare: the function text changed; update this benchmark");
const rowLockVariant = source
  .slice(start)
  .replace(/CREATE (OR REPLACE )?FUNCTION pkgindex\.apply\(/, "CREATE FUNCTION pkgindex.apply_rowlock(")
  .replace(advisory, "PERFORM 1 FROM pkgindex.meta FOR UPDATE;");

function median(values: number[]): number {
  const s = values.toSorted((a, b) => a - b);
  return s.length % 2 === 1 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

const cluster = await startCluster();
try {
  const url = await cluster.createDatabase();
  const store = await PostgresStore.connect({ connectionString: url });
  await store.bulkLoad(Array.from({ length: 1_000 }, (_, i) => ({ name: `p${i}`, deps: i === 0 ? [] : [`p${i - 1}`] })));
  await store.close();
  const client = new Client({ connectionString: url });
  await client.connect();
  await client.query(rowLockVariant);

  let flip = 0;
  const changing = (): string => {
    flip++;
    // p{i} alternates between depending on p{i-1} and on nothing: always a change.
    return Array.from({ length: SIZE }, (_, k) => {
      const i = 1 + ((flip * SIZE + k) % 999);
      return flip % 2 === 0 ? `INDEX|p${i}|p${i - 1}` : `INDEX|p${i}|`;
    }).join("\n");
  };
  // Unchanged lists and a missing dependency: no change at all.
  const noChange = (): string =>
    Array.from({ length: SIZE }, (_, k) => (k % 2 === 0 ? `INDEX|p0|` : `INDEX|p${k}|ghost`)).join("\n");

  const results = new Map<string, number[]>();
  for (let round = 0; round < rounds; round++) {
    for (const kind of ["changing", "no-change"] as const) {
      for (const fn of ["apply", "apply_rowlock"]) {
        const key = `${kind.padEnd(9)} ${fn.padEnd(13)}`;
        const started = performance.now();
        for (let b = 0; b < batchCount; b++) {
          await client.query(`SELECT pkgindex.${fn}($1, false)`, [kind === "changing" ? changing() : noChange()]);
        }
        const perBatch = ((performance.now() - started) * 1000) / batchCount;
        results.set(key, [...(results.get(key) ?? []), perBatch]);
      }
    }
  }
  const wal = await client.query("SELECT pg_current_wal_lsn()");
  await client.end();
  console.log(`node ${process.version}, PostgreSQL 15, fsync on; batches of ${SIZE}, ${batchCount} per run, ${rounds} rounds interleaved (wal at ${wal.rows[0].pg_current_wal_lsn})`);
  for (const [key, values] of results) {
    console.log(`${key} median ${median(values).toFixed(0)} µs/batch, min-max ${Math.min(...values).toFixed(0)}-${Math.max(...values).toFixed(0)}`);
  }
} finally {
  await cluster.stop();
}
