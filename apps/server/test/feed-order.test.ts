import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectConsecutive, FeedStream, fold, snapshot, startWithFeed, type FeedServerProcess } from "./support/feed-client.ts";
import { BASE, changesOf, clientLoad } from "./support/feed-load.ts";
import { LineClient } from "./support/line-client.ts";

const CLIENTS = 16;

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
        expect(changesOf(stream.changes, k)).toEqual(acked[k].map(({ sentAt: _s, ackedAt: _a, ...change }) => change));
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
