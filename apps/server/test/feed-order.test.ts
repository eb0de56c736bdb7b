import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Rng } from "@pkgindex/harness";
import { expectConsecutive, FeedStream, fold, snapshot, startWithFeed, type Change, type FeedServerProcess } from "./support/feed-client.ts";
import { LineClient } from "./support/line-client.ts";

const CLIENTS = 16;
const ROUNDS = 40;
const DEPTH = 4;
const BASE = Array.from({ length: 8 }, (_, i) => `base-${i}`);

type Acked = Omit<Change, "rev">;

/**
 * One client's load: INDEX and REMOVE of its own packages (so every OK it
 * is told is a change, and nothing another client does can touch them),
 * plus INDEXes refused for a missing dependency and QUERYs, pipelined
 * DEPTH at a time. Returns the changes it was acknowledged, in order.
 */
async function clientLoad(client: LineClient, k: number, seed: number): Promise<Acked[]> {
  const rng = new Rng(seed, k);
  const held = new Map<string, string>(); // name -> sorted deps joined
  const acked: Acked[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const lines: string[] = [];
    const effects: (Acked | null)[] = [];
    const touched = new Set<string>();
    while (lines.length < DEPTH) {
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
    const replies = await client.pipeline(lines);
    for (let i = 0; i < lines.length; i++) {
      const effect = effects[i];
      if (effect === null) continue;
      expect(`${lines[i]} ${replies[i]}`).toBe(`${lines[i]} OK`);
      acked.push(effect);
    }
  }
  return acked;
}

describe.each([
  [0, "memory"],
  [0, "sqlite"],
  [2, "memory"],
  [2, "sqlite"],
])("change feed under concurrent load, --workers %i --store %s", (workers, store) => {
  let server: FeedServerProcess;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), "pkgindex-feed-order-"));
    server = await startWithFeed(["--workers", String(workers), "--store", store, "--data-dir", dir, "--sync", "normal"]);
  });
  afterAll(async () => {
    expect(await server.stop()).toBe(0);
    rmSync(dir, { recursive: true, force: true });
  });

  it("every acknowledged change appears exactly once, in each client's order, and the feed folds to the index", async () => {
    const continuous = await FeedStream.open(server.feedPort, "since=0&feed=continuous");
    const events = await FeedStream.open(server.feedPort, "since=0&feed=eventsource");
    expect([continuous.status, events.status]).toEqual([200, 200]);

    const setup = await LineClient.connect(server.port);
    expect(await setup.pipeline(BASE.map((b) => `INDEX|${b}|`))).toEqual(BASE.map(() => "OK"));
    const clients = await Promise.all(Array.from({ length: CLIENTS }, () => LineClient.connect(server.port)));
    const acked = await Promise.all(clients.map((c, k) => clientLoad(c, k, 14)));
    const total = BASE.length + acked.reduce((n, a) => n + a.length, 0);

    // Told OK means committed, and committed means delivered: both streams reach the total.
    await Promise.all([continuous.untilRevision(total), events.untilRevision(total)]);
    const snap = await snapshot(server.feedPort);
    expect(snap.revision).toBe(total);
    for (const stream of [continuous, events]) {
      expect(expectConsecutive(stream.changes, 1)).toBeNull();
      expect(stream.changes.length).toBe(total);
      // Each client's packages are its own, so the feed's changes to them are exactly what it was told, in order.
      for (let k = 0; k < CLIENTS; k++) {
        const mine = stream.changes.filter((c) => c.name.startsWith(`c${k}-`)).map(({ rev: _rev, ...rest }) => ({ ...rest, deps: rest.deps.toSorted() }));
        expect(mine).toEqual(acked[k]);
      }
      expect(fold(stream.changes)).toEqual(snap.index);
    }
    // The snapshot is the index the server answers QUERY from.
    const names = [...BASE, ...Array.from({ length: CLIENTS * 6 }, (_, i) => `c${Math.floor(i / 6)}-${i % 6}`)];
    const answers = await setup.pipeline(names.map((n) => `QUERY|${n}|`));
    expect(names.filter((_, i) => answers[i] === "OK").toSorted()).toEqual([...snap.index.keys()].toSorted());

    continuous.close();
    events.close();
    for (const c of [setup, ...clients]) c.close();
  });
});
