// PostgresFeedSource against a real cluster: the snapshot it starts from,
// following writes by NOTIFY and by poll alone, starting again from a
// snapshot when what it needs was pruned, version 1's CLEAR rows, a killed
// connection, and the retention pkgindex.apply applies (count and age).
import { FeedHub } from "@pkgindex/feed";
import type { ChangeRetention } from "@pkgindex/store";
import { afterEach, describe, expect, it } from "vitest";
import { PostgresFeedSource, type PostgresFeedEvent } from "../src/index.ts";
import { connect, databaseOf, useCluster } from "./helpers.ts";

const env = useCluster();
const sources: PostgresFeedSource[] = [];
afterEach(async () => {
  for (const s of sources.splice(0)) await s.close();
});

async function fresh(retention: ChangeRetention = {}) {
  const url = await env.cluster.createDatabase();
  return { url, db: databaseOf(url), store: await connect(url, { retention }) };
}

/** The events a source reported, and a wait for one of a kind. */
class Events {
  readonly seen: PostgresFeedEvent[] = [];
  private readonly waiters: { kind: string; resolve: () => void }[] = [];
  push(event: PostgresFeedEvent): void {
    this.seen.push(event);
    for (const w of this.waiters.filter((x) => x.kind === event.kind)) w.resolve();
  }
  until(kind: PostgresFeedEvent["kind"]): Promise<void> {
    if (this.seen.some((e) => e.kind === kind)) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ kind, resolve }));
  }
}

async function follow(url: string, options: { retention?: ChangeRetention; pollMillis?: number; events?: Events } = {}): Promise<PostgresFeedSource> {
  const source = await PostgresFeedSource.start({
    hub: new FeedHub(options.retention),
    connectionString: url,
    connectTimeoutMillis: 10_000,
    retention: options.retention,
    // Long unless a test is about the poll: the notification alone must wake the others.
    pollMillis: options.pollMillis ?? 600_000,
    onEvent: (e) => options.events?.push(e),
  });
  sources.push(source);
  return source;
}

/** Resolves once the source holds `revision` (told by onCommitted, never by waiting a while). */
function until(source: PostgresFeedSource, revision: number): Promise<void> {
  return new Promise((resolve) => {
    if (source.currentRevision >= revision) return resolve();
    source.onCommitted(() => {
      if (source.currentRevision >= revision) resolve();
    });
  });
}

const json = (source: PostgresFeedSource, since = source.oldestRetained - 1) => source.changesSince(since, 1000).map((j) => JSON.parse(j) as Record<string, unknown>);
const index = (source: PostgresFeedSource) => Object.fromEntries(source.snapshot().packages.map(([n, d]) => [n, JSON.parse(d) as string[]]));

describe("PostgresFeedSource", () => {
  it("starts from one snapshot with the retained history, then follows writes woken by NOTIFY", async () => {
    const { url, store } = await fresh();
    await store.applyBatch("INDEX|a|\nINDEX|b|a\nINDEX|c|a,b\nREMOVE|c|");
    const source = await follow(url);
    expect([source.currentRevision, source.oldestRetained]).toEqual([4, 1]);
    expect(index(source)).toEqual({ a: [], b: ["a"] });
    expect(json(source).map((c) => `${c.rev} ${c.command} ${c.name}`)).toEqual(["1 INDEX a", "2 INDEX b", "3 INDEX c", "4 REMOVE c"]);

    const told: [number, number][] = [];
    source.onCommitted((first, last) => told.push([first, last]));
    await store.applyBatch("INDEX|d|b,a\nQUERY|d|\nINDEX|d|a,b\nREMOVE|b|");
    await store.applyBatch("REMOVE|d|");
    await until(source, 6);
    // One group per transaction; the unchanged re-INDEX and the refused REMOVE took no revision.
    expect(told).toEqual([[5, 5], [6, 6]]);
    expect(json(source, 4)).toEqual([
      { rev: 5, command: "INDEX", name: "d", deps: ["a", "b"] },
      { rev: 6, command: "REMOVE", name: "d", deps: [] },
    ]);
    expect(index(source)).toEqual({ a: [], b: ["a"] });
  });

  it("finds changes that came without a notification by its poll", async () => {
    const { url, db, store } = await fresh();
    const source = await follow(url, { pollMillis: 50 });
    // Written behind the notifier's back, as a write whose notification was lost.
    await env.cluster.sql(db, "INSERT INTO pkgindex.changes (revision, command, name, deps) VALUES (1, 'INDEX', 'quiet', ''); UPDATE pkgindex.meta SET revision = 1");
    await until(source, 1);
    expect(json(source)).toEqual([{ rev: 1, command: "INDEX", name: "quiet", deps: [] }]);
    expect(await store.revision()).toBe(1);
  });

  it("starts again from a snapshot when the revisions it needs were pruned before it read them", async () => {
    const { url, db, store } = await fresh({ revisions: 2 });
    const events = new Events();
    const source = await follow(url, { retention: { revisions: 2 }, events });
    await store.applyBatch("INDEX|a|\nINDEX|b|a\nINDEX|c|b\nINDEX|d|c\nREMOVE|d|");
    await until(source, 5);
    expect(await env.cluster.sql(db, "SELECT revision::int FROM pkgindex.changes ORDER BY revision")).toEqual([{ revision: 4 }, { revision: 5 }]);
    await events.until("resynced");
    expect(events.seen.map((e) => [e.kind, e.revision])).toEqual([["resynced", 5]]);
    expect([source.currentRevision, source.oldestRetained]).toEqual([5, 4]);
    expect(json(source).map((c) => c.rev)).toEqual([4, 5]);
    expect(index(source)).toEqual({ a: [], b: ["a"], c: ["b"] });
  });

  it("serves a version 1 CLEAR as the start of its history, at start and while following", async () => {
    const { url, db, store } = await fresh();
    await store.applyBatch("INDEX|old|");
    const clear = (at: number) =>
      env.cluster.sql(
        db,
        `DELETE FROM pkgindex.edges; DELETE FROM pkgindex.packages;
         INSERT INTO pkgindex.changes (revision, command, name, deps) VALUES (${at}, 'CLEAR', '', ''), (${at + 1}, 'INDEX', 'new${at}', '');
         INSERT INTO pkgindex.packages (name) VALUES ('new${at}');
         UPDATE pkgindex.meta SET revision = ${at + 1}; NOTIFY pkgindex_changes`,
      );
    await clear(2);
    const source = await follow(url);
    expect([source.currentRevision, source.oldestRetained]).toEqual([3, 3]);
    expect(index(source)).toEqual({ new2: [] });
    await clear(4);
    await until(source, 5);
    expect([source.currentRevision, source.oldestRetained]).toEqual([5, 5]);
    expect(json(source)).toEqual([{ rev: 5, command: "INDEX", name: "new4", deps: [] }]);
    expect(index(source)).toEqual({ new4: [] });
  });

  it("reconnects by itself after its connection is killed, and reads what was written meanwhile", async () => {
    const { url, db, store } = await fresh();
    const events = new Events();
    const source = await follow(url, { events });
    await store.applyBatch("INDEX|a|");
    await until(source, 1);
    await env.cluster.sql(db, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'pkgindex-feed'");
    await events.until("lost");
    await store.applyBatch("INDEX|b|a\nINDEX|c|b");
    await Promise.all([until(source, 3), events.until("reconnected")]);
    expect(events.seen.map((e) => e.kind)).toEqual(["lost", "reconnected"]);
    expect(json(source).map((c) => c.rev)).toEqual([1, 2, 3]);
    expect(source.connected).toBe(true);
  });

  it("pkgindex.apply prunes by age in the write transaction: only what is older than the retention goes", async () => {
    const { url, db } = await fresh();
    const store = await connect(url, { retention: { ageMs: 60_000 } });
    await store.applyBatch("INDEX|a|\nINDEX|b|\nINDEX|c|");
    await env.cluster.sql(db, "UPDATE pkgindex.changes SET at = at - interval '1 hour' WHERE revision <= 2");
    await store.applyBatch("INDEX|d|");
    expect(await env.cluster.sql(db, "SELECT revision::int FROM pkgindex.changes ORDER BY revision")).toEqual([{ revision: 3 }, { revision: 4 }]);
    const source = await follow(url, { retention: { ageMs: 60_000 } });
    expect([source.currentRevision, source.oldestRetained]).toEqual([4, 3]);
  });
});
