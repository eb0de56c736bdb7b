import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { changesSince, expectConsecutive, FeedStream, feedGet, fold, snapshot, startWithFeed, untilFeedRevision, type Change, type FeedServerProcess } from "./support/feed-client.ts";
import { LineClient } from "./support/line-client.ts";

describe.each([0, 2])("change feed over HTTP, --workers %i", (workers) => {
  let server: FeedServerProcess;
  let client: LineClient;
  /** Revision of the last change this suite made (the feed's numbering from a fresh memory store). */
  let revision = 0;
  /** Counts `n` changes just acknowledged and waits until the feed has them; returns the revision before them. */
  const changed = async (n: number): Promise<number> => {
    const before = revision;
    revision += n;
    await untilFeedRevision(server.feedPort, revision);
    return before;
  };
  beforeAll(async () => {
    server = await startWithFeed(["--workers", String(workers), "--store", "memory", "--feed-retention", "20"]);
    client = await LineClient.connect(server.port);
  });
  afterAll(async () => {
    client.close();
    expect(await server.stop()).toBe(0);
  });

  it("numbers only real changes: a refused INDEX, an unchanged re-INDEX and a REMOVE of nothing take no revision", async () => {
    expect(await client.pipeline(["INDEX|h-a|", "INDEX|h-b|h-a", "INDEX|h-b|h-a", "INDEX|h-c|nope", "REMOVE|h-zz|", "QUERY|h-a|", "REMOVE|h-b|"])).toEqual([
      "OK", "OK", "OK", "FAIL", "OK", "OK", "OK",
    ]);
    const before = await changed(3);
    const changes = await changesSince(server.feedPort, before);
    expect(changes).toEqual([
      { rev: before + 1, command: "INDEX", name: "h-a", deps: [] },
      { rev: before + 2, command: "INDEX", name: "h-b", deps: ["h-a"] },
      { rev: before + 3, command: "REMOVE", name: "h-b", deps: [] },
    ]);
  });

  it("normal: what exists after since, paged by limit, with last_rev and pending", async () => {
    await client.pipeline(Array.from({ length: 5 }, (_, i) => `INDEX|page-${i}|`));
    const from = await changed(5);
    const first = await feedGet<{ changes: Change[]; last_rev: number; pending: number }>(server.feedPort, `/v1/changes?since=${from}&limit=2`);
    expect(first.status).toBe(200);
    expect(first.body.changes.map((c) => c.name)).toEqual(["page-0", "page-1"]);
    expect([first.body.last_rev, first.body.pending]).toEqual([from + 2, 3]);
    const rest = await feedGet<{ changes: Change[]; last_rev: number; pending: number }>(server.feedPort, `/v1/changes?since=${first.body.last_rev}`);
    expect(rest.body.changes.map((c) => c.name)).toEqual(["page-2", "page-3", "page-4"]);
    expect([rest.body.last_rev, rest.body.pending]).toEqual([from + 5, 0]);
  });

  it("longpoll waits for the next change, and since=now starts at the current revision", async () => {
    const now = revision;
    const poll = feedGet<{ changes: Change[]; last_rev: number }>(server.feedPort, `/v1/changes?since=${now}&feed=longpoll&timeout=30000`);
    // Open once its headers came: since=now was read before the change below.
    const stream = await FeedStream.open(server.feedPort, "since=now&feed=continuous");
    expect(stream.status).toBe(200);
    expect(await client.send("INDEX|lp-a|")).toBe("OK");
    await changed(1);
    const answered = await poll;
    expect(answered.body.changes).toEqual([{ rev: now + 1, command: "INDEX", name: "lp-a", deps: [] }]);
    await stream.untilRevision(now + 1);
    expect(stream.changes.map((c) => c.rev)).toEqual([now + 1]);
    stream.close();
    // A longpoll with nothing new answers empty at its timeout.
    const empty = await feedGet<{ changes: Change[]; last_rev: number }>(server.feedPort, `/v1/changes?since=${now + 1}&feed=longpoll&timeout=200`);
    expect(empty.body).toMatchObject({ changes: [], last_rev: now + 1 });
  });

  it("continuous and eventsource send heartbeats while idle", async () => {
    const nd = await FeedStream.open(server.feedPort, "since=now&feed=continuous&heartbeat=100");
    const sse = await FeedStream.open(server.feedPort, "since=now&feed=eventsource&heartbeat=100");
    await Promise.all([nd.untilHeartbeats(2), sse.untilHeartbeats(2)]);
    expect([nd.changes, sse.changes, nd.ended, sse.ended]).toEqual([[], [], false, false]);
    nd.close();
    sse.close();
  });

  it("eventsource resumes from Last-Event-ID, which wins over since", async () => {
    await client.pipeline(["INDEX|sse-a|", "INDEX|sse-b|sse-a", "INDEX|sse-c|"]);
    const from = await changed(3);
    const first = await FeedStream.open(server.feedPort, `since=${from}&feed=eventsource`);
    await first.untilRevision(from + 3);
    first.close();
    const resumed = await FeedStream.open(server.feedPort, "since=0&feed=eventsource", { "last-event-id": String(from + 1) });
    await resumed.untilRevision(from + 3);
    expect(resumed.changes.map((c) => c.name)).toEqual(["sse-b", "sse-c"]);
    resumed.close();
  });

  it("retention: since older than the oldest held is 410 naming it; snapshot plus follow reconstructs the index exactly", async () => {
    // 7 new packages, then 30 - 7 re-INDEXes that change nothing; each REMOVE/INDEX pair is two changes.
    await client.pipeline(Array.from({ length: 30 }, (_, i) => `INDEX|ret-${i % 7}|${i % 7 === 0 ? "" : `ret-${(i % 7) - 1}`}`));
    for (let i = 0; i < 10; i++) await client.pipeline(["REMOVE|ret-6|", `INDEX|ret-6|ret-${i % 6}`]);
    await changed(7 + 20);
    const snap = await snapshot(server.feedPort);
    expect(snap.revision).toBe(revision);
    const oldest = snap.revision - 19; // --feed-retention 20
    const gone = await feedGet(server.feedPort, `/v1/changes?since=${oldest - 2}`);
    expect(gone.status).toBe(410);
    expect(gone.body).toMatchObject({ error: "compacted", oldest, current: snap.revision });
    expect(String(gone.body.reason)).toContain(`oldest revision held (${oldest})`);
    const justInside = await feedGet<{ changes: Change[] }>(server.feedPort, `/v1/changes?since=${oldest - 1}`);
    expect(justInside.status).toBe(200);
    expect(justInside.body.changes[0].rev).toBe(oldest);
    for (const mode of ["continuous", "eventsource", "longpoll"]) {
      expect((await feedGet(server.feedPort, `/v1/changes?since=0&feed=${mode}`)).status).toBe(410);
    }

    // A follower that lost its place: snapshot, then follow from its revision.
    const follow = await FeedStream.open(server.feedPort, `since=${snap.revision}&feed=continuous`);
    expect(await client.pipeline(["INDEX|after-1|ret-3", "REMOVE|ret-6|", "INDEX|ret-2|", "REMOVE|after-1|", "INDEX|after-2|ret-1,ret-0"])).toEqual([
      "OK", "OK", "OK", "OK", "OK",
    ]);
    await changed(5);
    await follow.untilRevision(revision);
    expect(expectConsecutive(follow.changes, snap.revision + 1)).toBeNull();
    const rebuilt = fold(follow.changes, Object.fromEntries(snap.index));
    expect(rebuilt).toEqual((await snapshot(server.feedPort)).index);
    follow.close();
  });

  it("since ahead of the current revision is 410 (another history); bad parameters are 400, other paths 404, other methods 405", async () => {
    const ahead = await feedGet(server.feedPort, `/v1/changes?since=${revision + 5}`);
    expect(ahead.status).toBe(410);
    expect(ahead.body).toMatchObject({ error: "unknown_revision", current: revision });
    for (const query of ["since=-1", "since=abc", "feed=push", "limit=0", "heartbeat=5"]) {
      const res = await feedGet(server.feedPort, `/v1/changes?${query}`);
      expect(`${query}: ${res.status}`).toBe(`${query}: 400`);
      expect(res.body.error).toBe("bad_request");
    }
    expect((await feedGet(server.feedPort, "/v2/changes")).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${server.feedPort}/v1/changes`, { method: "POST" })).status).toBe(405);
  });
});
