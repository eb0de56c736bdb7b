// The linearizability checker's speed, without a server: simulated
// histories (linearizable by construction: each operation takes effect at
// a random instant inside its interval) from 10 clients on 5 names, 1% of
// replies lost. Reports (1) operations checked per second on rounds of 100
// operations, as `harness check` checks them, and (2) the longest single
// history checked within 10 s, doubling the length until a check takes
// longer.
//
//   node scripts/bench-checker.ts [--clients 10] [--rounds 2000] [--limit-seconds 10]
import { parseArgs } from "node:util";
import { checkHistory, simulateHistory } from "../src/index.ts";

const { values } = parseArgs({
  options: {
    clients: { type: "string", default: "10" },
    rounds: { type: "string", default: "2000" },
    "limit-seconds": { type: "string", default: "10" },
  },
});
const clients = Number(values.clients);
const limitMs = Number(values["limit-seconds"]) * 1000;

function timeCheck(ops: number, seed: number): { ms: number; steps: number } {
  const history = simulateHistory({ clients, ops, names: 5, seed, unanswered: 1 });
  const t = performance.now();
  const result = checkHistory(history, { deadline: t + limitMs });
  const ms = performance.now() - t;
  if (result.verdict === "violation") throw new Error(`seed ${seed}: a simulated history was judged not linearizable`);
  return { ms: result.verdict === "undecided" ? Number.POSITIVE_INFINITY : ms, steps: result.steps };
}

// (1) Throughput on rounds, three runs, median and range.
const rates: number[] = [];
for (let run = 0; run < 3; run++) {
  let ms = 0;
  let ops = 0;
  for (let r = 0; r < Number(values.rounds); r++) {
    ms += timeCheck(100, run * 100_000 + r).ms;
    ops += 100;
  }
  rates.push((ops / ms) * 1000);
}
rates.sort((a, b) => a - b);
console.log(`rounds of 100 ops, ${clients} clients: ${Math.round(rates[1])} ops/s checked (median of 3; ${Math.round(rates[0])}-${Math.round(rates[2])})`);

// (2) The longest single history within the limit.
let best = 0;
for (let ops = 10_000; ; ops *= 2) {
  const { ms, steps } = timeCheck(ops, 1);
  console.log(`one history of ${ops} ops: ${Number.isFinite(ms) ? `${(ms / 1000).toFixed(2)} s, ${Math.round((ops / ms) * 1000)} ops/s` : `over ${limitMs / 1000} s`} (${steps} steps, heap ${Math.round(process.memoryUsage().heapUsed / 2 ** 20)} MiB)`);
  if (!(ms <= limitMs)) break;
  best = ops;
}
console.log(`longest history checked within ${limitMs / 1000} s: ${best} operations (doubling from 10,000)`);
