// Commands per second through pkgindex.apply from one client, for batch
// sizes 1, 8 and 64: how far one round trip and one commit (one WAL flush)
// per batch are amortized. A throwaway cluster (@pkgindex/server-process startCluster: Unix
// socket, fsync on); sizes interleaved per round, median of the rounds.
//
//   npx pnpm@10.34.8 exec node packages/store-postgres/bench/apply-rate.ts [rounds] [commands]
//
// The mix is INDEX-heavy: 70% INDEX of one of 2,000 packages with 0-3
// dependencies on lower-numbered ones (no cycles; most change the list, so
// most take a revision), 15% QUERY, 15% REMOVE (FAIL while depended on).
import { median, mixedLine, seededRandom } from "./bench-lines.ts";
import { PostgresStore } from "../src/index.ts";
import { startCluster } from "@pkgindex/server-process";

const rounds = Number(process.argv[2] ?? 3);
const commands = Number(process.argv[3] ?? 2_048);
const SIZES = [1, 8, 64];
const PACKAGES = 2_000;

const random = seededRandom(7);

const line = (): string => mixedLine(random, PACKAGES);


const cluster = await startCluster();
try {
  const store = await PostgresStore.connect({ connectionString: await cluster.createDatabase() });
  // Every package indexed once (no dependencies), so INDEX lines mostly succeed.
  await store.bulkLoad(Array.from({ length: PACKAGES }, (_, i) => ({ name: `p${i}`, deps: [] })));
  const rates = new Map<number, number[]>(SIZES.map((s) => [s, []]));
  for (let round = 0; round < rounds; round++) {
    for (const size of SIZES) {
      const batches: string[] = [];
      for (let n = 0; n < commands; n += size) batches.push(Array.from({ length: size }, line).join("\n"));
      const started = performance.now();
      for (const batch of batches) await store.applyBatch(batch);
      const seconds = (performance.now() - started) / 1000;
      rates.get(size)?.push((batches.length * size) / seconds);
    }
  }
  console.log(`node ${process.version}, PostgreSQL 15 on a Unix socket, fsync on; ${rounds} rounds x ${commands} commands per size, sizes interleaved`);
  for (const size of SIZES) {
    const r = rates.get(size) ?? [];
    console.log(
      `batch ${String(size).padStart(2)}: median ${Math.round(median(r))} commands/s (${Math.round(median(r) / size)} batches/s), ` +
        `min-max ${Math.round(Math.min(...r))}-${Math.round(Math.max(...r))}; rounds: ${r.map(Math.round).join(" ")}`,
    );
  }
  await store.close();
} finally {
  await cluster.stop();
}
