// What one line costs inside pkgindex.apply, per kind of batch: a database
// as schema version 1 left it (a plpgsql loop with a statement per line,
// the name rule as bounded repetitions) against one at the current version
// (set-based parsing and QUERY answers, see APPLY_FUNCTION in src/schema.ts).
// Both start with the same index and get the same batches of `size` lines,
// interleaved, so they see the same states and the same machine load; the
// two must return the same codes. A throwaway cluster (@pkgindex/server-process
// startCluster: Unix socket, fsync on).
//
//   npx pnpm@10.34.8 exec node packages/store-postgres/bench/line-cost.ts [rounds] [size]
//
// Kinds: "query" (QUERY only, half the names indexed), "long" (QUERY only,
// 200-byte names, none indexed), "index" (INDEX of
// new packages with 0-3 dependencies on indexed ones), "mixed" (the
// apply-rate.ts mix: 70% INDEX, 15% QUERY, 15% REMOVE over 2,000 names).
import { median, mixedLine, seededRandom } from "./bench-lines.ts";
import { Client } from "pg";
import { startCluster } from "@pkgindex/server-process";
import { MIGRATIONS } from "../src/schema.ts";

const rounds = Number(process.argv[2] ?? 5);
const size = Number(process.argv[3] ?? 4_096);
const PACKAGES = 2_000;
const KINDS = ["query", "long", "index", "mixed"] as const;

// What migrate() creates before the first migration.
const VERSION_TABLE = `CREATE SCHEMA pkgindex;
  CREATE TABLE pkgindex.schema_version (singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton), version integer NOT NULL);
  INSERT INTO pkgindex.schema_version (version) VALUES (0);`;

const random = seededRandom(11);

let fresh = 0;
function line(kind: (typeof KINDS)[number]): string {
  if (kind === "query") return `QUERY|p${random(PACKAGES * 2)}|`;
  if (kind === "long") return `QUERY|${"n".repeat(200)}${random(PACKAGES)}|`;
  if (kind === "index") {
    const deps: string[] = [];
    for (let k = random(4); k > 0; k--) deps.push(`p${random(PACKAGES)}`);
    return `INDEX|new${fresh++}|${deps.join(",")}`;
  }
  return mixedLine(random, PACKAGES);
}


async function timed(client: Client, batch: string): Promise<{ micros: number; codes: string }> {
  const started = performance.now();
  const result = await client.query<[string]>({ text: "SELECT pkgindex.apply($1, false)", values: [batch], rowMode: "array" });
  return { micros: (performance.now() - started) * 1000, codes: result.rows[0][0] };
}

const cluster = await startCluster();
try {
  // [version 1, current]
  const clients: Client[] = [];
  for (const migrations of [MIGRATIONS.slice(0, 1), MIGRATIONS]) {
    const client = new Client({ connectionString: await cluster.createDatabase() });
    await client.connect();
    await client.query(VERSION_TABLE);
    for (const m of migrations) await client.query(m);
    await client.query(`INSERT INTO pkgindex.packages (name) SELECT 'p' || i FROM generate_series(0, ${PACKAGES - 1}) i`);
    await client.query("ANALYZE");
    clients.push(client);
  }
  const perLine = new Map<string, number[]>();
  for (let round = 0; round < rounds; round++) {
    for (const kind of KINDS) {
      const batch = Array.from({ length: size }, () => line(kind)).join("\n");
      // Alternate which goes first.
      let old: Awaited<ReturnType<typeof timed>>;
      let now: Awaited<ReturnType<typeof timed>>;
      if (round % 2 === 0) {
        old = await timed(clients[0], batch);
        now = await timed(clients[1], batch);
      } else {
        now = await timed(clients[1], batch);
        old = await timed(clients[0], batch);
      }
      if (old.codes !== now.codes) throw new Error(`line-cost: the two versions disagree on a ${kind} batch`);
      for (const [fn, t] of [["old", old], ["new", now]] as const) {
        const key = `${kind} ${fn}`;
        perLine.set(key, [...(perLine.get(key) ?? []), t.micros / size]);
      }
    }
  }
  console.log(`node ${process.version}, PostgreSQL 15 on a Unix socket, fsync on; ${rounds} rounds of one ${size}-line batch per kind; µs per line, median (min-max), schema version 1 ("old") vs current ("new")`);
  for (const kind of KINDS) {
    const cells = ["old", "new"].map((fn) => {
      const r = perLine.get(`${kind} ${fn}`) ?? [];
      return `${fn} ${median(r).toFixed(1)} (${Math.min(...r).toFixed(1)}-${Math.max(...r).toFixed(1)})`;
    });
    console.log(`${kind.padEnd(5)}: ${cells.join(", ")}`);
  }
  for (const client of clients) await client.end();
} finally {
  await cluster.stop();
}
