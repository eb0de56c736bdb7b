// The change feed on PostgreSQL: two nodes (--workers 0 and --workers 2) on
// one database, each serving the feed from pkgindex.changes. Writers go
// through both nodes at once; both feeds must be the same history, the
// acknowledged changes exactly once each in the order the database applied
// them, and keep being so across retention, a node restart and a restart of
// PostgreSQL under a following stream.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { changesSince, expectConsecutive, FeedStream, feedGet, fold, snapshot, startWithFeed, untilFeedRevision, type Change, type FeedServerProcess } from "./support/feed-client.ts";
import { BASE, changesOf, clientLoad, type Acked } from "./support/feed-load.ts";
import { LineClient } from "./support/line-client.ts";
import { postgresArgs, usePostgres } from "./support/postgres.ts";
import { adminGet, runCli } from "./support/server-process.ts";

const env = usePostgres();
const CLIENTS = 8;

let nodes: FeedServerProcess[] = [];
const streams: FeedStream[] = [];
const clients: LineClient[] = [];
afterEach(async () => {
  for (const s of streams.splice(0)) s.close();
  for (const c of clients.splice(0)) c.close();
  await Promise.all(nodes.map((n) => n.stop()));
  nodes = [];
});

async function startNode(url: string, workers: number, extra: string[] = [], feedPort?: number): Promise<FeedServerProcess> {
  const node = await startWithFeed([...postgresArgs(url, workers), ...extra], { admin: true, feedPort });
  nodes.push(node);
  return node;
}

/** Node A (--workers 0) and node B (--workers 2) on one new database. */
async function twoNodes(extra: string[] = []): Promise<{ url: string; a: FeedServerProcess; b: FeedServerProcess }> {
  const url = await env.cluster.createDatabase();
  const [a, b] = await Promise.all([startNode(url, 0, extra), startNode(url, 2, extra)]);
  return { url, a, b };
}

async function connect(port: number): Promise<LineClient> {
  const client = await LineClient.connect(port);
  clients.push(client);
  return client;
}

async function open(port: number, query: string): Promise<FeedStream> {
  const stream = await FeedStream.open(port, query);
  streams.push(stream);
  expect(stream.status).toBe(200);
  return stream;
}

/** The index in the database itself (name -> sorted deps), what every feed must fold to. */
async function databaseIndex(url: string): Promise<Map<string, string[]>> {
  const rows = await env.cluster.sql(
    new URL(url).pathname.slice(1),
    `SELECT p.name, coalesce(string_agg(d.name, ',' ORDER BY d.name), '') AS deps
       FROM pkgindex.packages p LEFT JOIN pkgindex.edges e ON e.pkg = p.id LEFT JOIN pkgindex.packages d ON d.id = e.dep
      GROUP BY p.id, p.name`,
  );
  return new Map(rows.map((r) => [String(r.name), r.deps === "" ? [] : String(r.deps).split(",")]));
}

/**
 * Real-time order: a change acknowledged before another one's pipeline was
 * sent has the lower revision (the feed's order is the database's apply
 * order, which respects what the clients could observe). Returns the first
 * violation, or null.
 */
function realTimeViolation(feed: readonly Change[], acked: readonly Acked[][]): string | null {
  const timing = new Map<string, Acked[]>();
  for (const list of acked) for (const a of list) timing.set(a.name, [...(timing.get(a.name) ?? []), a]);
  // The feed's changes of each name are that client's acks in order, so the i-th change of a name is its i-th ack.
  const seen = new Map<string, number>();
  const timed = feed.flatMap((c) => {
    const list = timing.get(c.name);
    if (list === undefined) return [];
    const i = seen.get(c.name) ?? 0;
    seen.set(c.name, i + 1);
    return [{ rev: c.rev, ...list[i] }];
  });
  let earliestAckAfter = Number.POSITIVE_INFINITY;
  let at = -1;
  for (let i = timed.length - 1; i >= 0; i--) {
    if (earliestAckAfter < timed[i].sentAt) return `revision ${timed[i].rev} was sent after revision ${timed[at].rev} was acknowledged`;
    if (timed[i].ackedAt < earliestAckAfter) {
      earliestAckAfter = timed[i].ackedAt;
      at = i;
    }
  }
  return null;
}

describe("change feed on PostgreSQL, two nodes (--workers 0 and 2) on one database", () => {
  it("concurrent writers through both nodes: both feeds are the same history, every acknowledged change once, in apply order; resume from a revision", async () => {
    const { url, a, b } = await twoNodes();
    // A follows before anything is written: it sees B's writes as well as its own.
    const onA = await open(a.feedPort, "since=0&feed=continuous");
    const onB = await open(b.feedPort, "since=0&feed=eventsource");
    const setup = await connect(b.port);
    expect(await setup.pipeline(BASE.map((n) => `INDEX|${n}|`))).toEqual(BASE.map(() => "OK"));
    const writers = await Promise.all(Array.from({ length: CLIENTS }, (_, k) => connect(k % 2 === 0 ? a.port : b.port)));
    const acked = await Promise.all(writers.map((c, k) => clientLoad(c, k, 29, 25)));
    const total = BASE.length + acked.reduce((n, list) => n + list.length, 0);

    await Promise.all([onA.untilRevision(total), onB.untilRevision(total), untilFeedRevision(a.feedPort, total), untilFeedRevision(b.feedPort, total)]);
    const [fromA, fromB] = await Promise.all([changesSince(a.feedPort, 0), changesSince(b.feedPort, 0)]);
    expect(fromA).toEqual(fromB);
    expect(onA.changes).toEqual(fromA);
    expect(onB.changes).toEqual(fromA);
    expect(expectConsecutive(fromA, 1)).toBeNull();
    expect(fromA).toHaveLength(total);
    expect(fromA.slice(0, BASE.length).map((c) => c.name)).toEqual(BASE);
    for (let k = 0; k < CLIENTS; k++) expect(changesOf(fromA, k)).toEqual(acked[k].map(({ sentAt: _s, ackedAt: _a, ...change }) => change));
    expect(realTimeViolation(fromA, acked)).toBeNull();
    // The feed folds to the database's index, and each snapshot is that index at the current revision.
    const index = await databaseIndex(url);
    expect(fold(fromA)).toEqual(index);
    for (const node of [a, b]) expect(await snapshot(node.feedPort)).toEqual({ revision: total, index });
    // The revision in /readyz?verbose and in the metrics is the feed's.
    for (const node of [a, b]) {
      expect((await adminGet(node.adminPort, "/readyz?verbose")).body).toContain(`revision: ${total}`);
      expect((await adminGet(node.adminPort, "/metrics")).body).toMatch(new RegExp(`^pkgindex_revision ${total}$`, "m"));
    }

    // Resume from a revision on the other node, and follow writes made through the first.
    const middle = Math.floor(total / 2);
    const resumed = await open(b.feedPort, `since=${middle}&feed=continuous`);
    expect(await (await connect(a.port)).send("INDEX|late|base-0")).toBe("OK");
    await resumed.untilRevision(total + 1);
    expect(resumed.changes).toEqual([...fromA.slice(middle), { rev: total + 1, command: "INDEX", name: "late", deps: ["base-0"] }]);
  });

  it("--feed-retention bounds pkgindex.changes; an older since is 410, and snapshot plus follow reconstructs the index", async () => {
    const { url, a, b } = await twoNodes(["--feed-retention", "5"]);
    const writer = await connect(a.port);
    expect(await writer.pipeline(Array.from({ length: 20 }, (_, i) => `INDEX|t-${i}|${i === 0 ? "" : `t-${i - 1}`}`))).toEqual(Array(20).fill("OK"));
    await Promise.all([untilFeedRevision(a.feedPort, 20), untilFeedRevision(b.feedPort, 20)]);
    const db = new URL(url).pathname.slice(1);
    expect(await env.cluster.sql(db, "SELECT min(revision)::int AS oldest, count(*)::int AS kept FROM pkgindex.changes")).toEqual([{ oldest: 16, kept: 5 }]);
    for (const node of [a, b]) {
      const gone = await feedGet(node.feedPort, "/v1/changes?since=3");
      expect(gone.status).toBe(410);
      expect(gone.body).toMatchObject({ error: "compacted", oldest: 16, current: 20 });
      expect((await changesSince(node.feedPort, 15)).map((c) => c.rev)).toEqual([16, 17, 18, 19, 20]);
    }

    // A client that was told 410 starts from a snapshot on B and follows, while writes go through A.
    const start = await snapshot(b.feedPort);
    const follow = await open(b.feedPort, `since=${start.revision}&feed=continuous`);
    expect(await writer.pipeline(["REMOVE|t-19|", "INDEX|v|", "INDEX|u|t-0,v", "REMOVE|t-18|"])).toEqual(["OK", "OK", "OK", "OK"]);
    await follow.untilRevision(start.revision + 4);
    expect(expectConsecutive(follow.changes, start.revision + 1)).toBeNull();
    expect(fold(follow.changes, Object.fromEntries(start.index))).toEqual(await databaseIndex(url));
  });

  it("pkgindex load --replace reaches every feed as the old packages' REMOVEs then the new INDEXes (as with SQLite)", async () => {
    const { url, a, b } = await twoNodes();
    const onA = await open(a.feedPort, "since=0&feed=continuous");
    expect(await (await connect(b.port)).pipeline(["INDEX|old-1|", "INDEX|old-2|old-1"])).toEqual(["OK", "OK"]);
    const dir = mkdtempSync(path.join(tmpdir(), "pkgindex-pg-feed-"));
    try {
      writeFileSync(path.join(dir, "new.txt"), "n1:\nn2: n1\n");
      const loaded = await runCli(["load", path.join(dir, "new.txt"), "--replace", "--store", "postgres", "--postgres-url", url]);
      expect([loaded.code, loaded.stderr]).toEqual([0, ""]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    await Promise.all([onA.untilRevision(6), untilFeedRevision(b.feedPort, 6)]);
    expect(onA.changes.slice(2)).toEqual([
      { rev: 3, command: "REMOVE", name: "old-1", deps: [] },
      { rev: 4, command: "REMOVE", name: "old-2", deps: [] },
      { rev: 5, command: "INDEX", name: "n1", deps: [] },
      { rev: 6, command: "INDEX", name: "n2", deps: ["n1"] },
    ]);
    expect(await changesSince(b.feedPort, 0)).toEqual(onA.changes);
    expect((await snapshot(b.feedPort)).index).toEqual(new Map([["n1", []], ["n2", ["n1"]]]));
  });

  it("a node restarted continues the revisions; the other node's feed never noticed", async () => {
    const { url, a, b } = await twoNodes();
    const onB = await open(b.feedPort, "since=0&feed=continuous");
    const first = await connect(a.port);
    expect(await first.pipeline(["INDEX|r-0|", "INDEX|r-1|r-0", "REMOVE|r-1|"])).toEqual(["OK", "OK", "OK"]);
    await untilFeedRevision(a.feedPort, 3);
    clients.splice(clients.indexOf(first), 1)[0].close();
    const feedPort = a.feedPort;
    nodes.splice(nodes.indexOf(a), 1);
    expect(await a.stop()).toBe(0);

    const again = await startNode(url, 0, [], feedPort);
    expect((await snapshot(again.feedPort)).revision).toBe(3);
    const resumed = await open(again.feedPort, "since=2&feed=continuous");
    expect(await (await connect(again.port)).pipeline(["INDEX|r-2|r-0", "REMOVE|r-0|"])).toEqual(["OK", "FAIL"]);
    await Promise.all([resumed.untilRevision(4), onB.untilRevision(4)]);
    expect(resumed.changes.map((c) => `${c.rev} ${c.command} ${c.name}`)).toEqual(["3 REMOVE r-1", "4 INDEX r-2"]);
    expect(await changesSince(again.feedPort, 0)).toEqual(onB.changes);
    expect(expectConsecutive(onB.changes, 1)).toBeNull();
  });

  it("PostgreSQL restarted under following streams: both feeds catch up, no gap, no repeat, the streams stay open", async () => {
    const { url, a, b } = await twoNodes();
    const onA = await open(a.feedPort, "since=0&feed=continuous");
    const onB = await open(b.feedPort, "since=0&feed=eventsource");
    expect(await (await connect(b.port)).pipeline(Array.from({ length: 10 }, (_, i) => `INDEX|p-${i}|`))).toEqual(Array(10).fill("OK"));
    await Promise.all([onA.untilRevision(10), onB.untilRevision(10)]);

    await env.cluster.halt("fast");
    await env.cluster.restart();
    // Written as soon as the database is back, while the feeds may still be reconnecting: their
    // notifications can be lost, so only the catch-up read finds these.
    const after = await Promise.all(
      [a, b].map(async (node, n) => {
        const client = await reconnectedClient(node.port);
        return client.pipeline(Array.from({ length: 10 }, (_, i) => `INDEX|q-${n}-${i}|p-${i}`));
      }),
    );
    expect(after.flat()).toEqual(Array(20).fill("OK"));
    await Promise.all([onA.untilRevision(30), onB.untilRevision(30)]);
    expect(onA.ended || onB.ended).toBe(false);
    // Each node's feed lost its connection and came back by itself (what the test is about).
    for (const node of [a, b]) expect(node.logs.filter((l) => String(l.msg).startsWith("feed: ")).map((l) => l.msg)).toContain("feed: reconnected to PostgreSQL, catching up");
    expect(onA.changes).toEqual(onB.changes);
    expect(expectConsecutive(onA.changes, 1)).toBeNull();
    expect(onA.changes).toHaveLength(30);
    expect(fold(onA.changes)).toEqual(await databaseIndex(url));
  });
});

/**
 * A client on a node whose connection to PostgreSQL was lost: its first
 * batch after the restart may be closed unanswered (docs/DECISIONS.md issue
 * 13), so a QUERY probes until one is answered.
 */
async function reconnectedClient(port: number): Promise<LineClient> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const client = await connect(port);
    const answer = await client.send("QUERY|p-0|").catch(() => null);
    if (answer === "OK") return client;
    if (Date.now() > deadline) throw new Error(`node on ${port} did not answer after the restart: ${answer}`);
  }
}
