import { expect } from "vitest";
import { Rng } from "@pkgindex/harness";
import type { Change } from "./feed-client.ts";
import type { LineClient } from "./line-client.ts";

/** Packages every client's INDEX lines may depend on (indexed first by the test). */
export const BASE = Array.from({ length: 8 }, (_, i) => `base-${i}`);

/** A change a client was told OK for, with when its pipeline was sent and answered (performance.now()). */
export interface Acked extends Omit<Change, "rev"> {
  sentAt: number;
  ackedAt: number;
}

/**
 * One client's load: INDEX and REMOVE of its own packages (`c<k>-…`, so
 * every OK it is told is a change, and nothing another client does can
 * touch them), plus INDEXes refused for a missing dependency and QUERYs,
 * pipelined `depth` at a time. Returns the changes it was acknowledged, in
 * order.
 */
export async function clientLoad(client: LineClient, k: number, seed: number, rounds = 40, depth = 4): Promise<Acked[]> {
  const rng = new Rng(seed, k);
  const held = new Map<string, string>(); // name -> sorted deps joined
  const acked: Acked[] = [];
  for (let round = 0; round < rounds; round++) {
    const lines: string[] = [];
    const effects: (Omit<Change, "rev"> | null)[] = [];
    const touched = new Set<string>();
    while (lines.length < depth) {
      const name = `c${k}-${rng.int(6)}`;
      // Each name once per pipeline: the effect of a line depends only on what this client knows.
      if (touched.has(name)) continue;
      touched.add(name);
      const roll = rng.int(10);
      if (roll < 5 || !held.has(name)) {
        const deps = BASE.filter(() => rng.percent(30)).toSorted();
        if (held.get(name) === deps.join(",")) continue; // same set: OK but no change
        lines.push(`INDEX|${name}|${deps.join(",")}`);
        effects.push({ command: "INDEX", name, deps });
        held.set(name, deps.join(","));
      } else if (roll < 8) {
        lines.push(`REMOVE|${name}|`);
        effects.push({ command: "REMOVE", name, deps: [] });
        held.delete(name);
      } else if (roll < 9) {
        lines.push(`INDEX|${name}|missing-${k}`);
        effects.push(null);
      } else {
        lines.push(`QUERY|${name}|`);
        effects.push(null);
      }
    }
    const sentAt = performance.now();
    const replies = await client.pipeline(lines);
    const ackedAt = performance.now();
    for (let i = 0; i < lines.length; i++) {
      const effect = effects[i];
      if (effect === null) continue;
      expect(`${lines[i]} ${replies[i]}`).toBe(`${lines[i]} OK`);
      acked.push({ ...effect, sentAt, ackedAt });
    }
  }
  return acked;
}

/** Client k's changes in a feed, without their revisions (deps sorted): what clientLoad says it was told. */
export function changesOf(changes: readonly Change[], k: number): Omit<Change, "rev">[] {
  return changes.filter((c) => c.name.startsWith(`c${k}-`)).map(({ rev: _rev, ...rest }) => ({ ...rest, deps: rest.deps.toSorted() }));
}
