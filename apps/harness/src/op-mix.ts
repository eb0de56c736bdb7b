import type { Command, HistoryOp } from "./history.ts";
import type { Rng } from "./rng.ts";

/**
 * One random operation over a round's few names, mixed so every outcome
 * keeps happening: INDEX (45%) with 0-2 dependencies drawn from the same
 * names (so a missing dependency, a self-dependency and a cycle all occur),
 * REMOVE (20%, refused while a dependent stands) and QUERY (35%). Times and
 * reply are filled in when it is sent and answered.
 */
export function randomOperation(rng: Rng, names: readonly string[], client: number): HistoryOp {
  const r = rng.float();
  const command: Command = r < 0.45 ? "INDEX" : r < 0.65 ? "REMOVE" : "QUERY";
  const deps = command === "INDEX" ? [...new Set(Array.from({ length: rng.int(3) }, () => rng.pick(names)))] : [];
  return { client, command, name: rng.pick(names), deps, invoke: 0, respond: null, reply: null };
}
