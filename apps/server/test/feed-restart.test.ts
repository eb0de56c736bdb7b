import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { changesSince, expectConsecutive, FeedStream, feedGet, fold, snapshot, startWithFeed, untilFeedRevision, type FeedServerProcess } from "./support/feed-client.ts";
import { LineClient } from "./support/line-client.ts";

const dirs: string[] = [];
const servers: FeedServerProcess[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.stop();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function dataDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "pkgindex-feed-restart-"));
  dirs.push(dir);
  return dir;
}

async function start(workers: number, dir: string, extra: string[] = [], feedPort?: number): Promise<FeedServerProcess> {
  const server = await startWithFeed(["--workers", String(workers), "--store", "sqlite", "--data-dir", dir, ...extra], { feedPort });
  servers.push(server);
  return server;
}

describe.each([0, 2])("change feed across restarts (SQLite), --workers %i", (workers) => {
  it("revisions continue after a clean restart: nothing lost, nothing repeated, the history survives", async () => {
    const dir = dataDir();
    const first = await start(workers, dir);
    const a = await LineClient.connect(first.port);
    expect(await a.pipeline(["INDEX|r-0|", "INDEX|r-1|r-0", "INDEX|r-2|r-1", "REMOVE|r-2|", "INDEX|r-1|"])).toEqual(["OK", "OK", "OK", "OK", "OK"]);
    await untilFeedRevision(first.feedPort, 5);
    const stream = await FeedStream.open(first.feedPort, "since=3&feed=continuous");
    await stream.untilRevision(5);
    a.close();
    expect(await first.stop()).toBe(0);
    await stream.untilEnded();
    // The server said why it ended the stream, and where the client was.
    expect(stream.endings.map((e) => JSON.parse(e) as Record<string, unknown>)).toEqual([
      { error: "shutting_down", reason: "the server is shutting down", last_rev: 5 },
    ]);

    const second = await start(workers, dir);
    expect((await snapshot(second.feedPort)).revision).toBe(5);
    const resumed = await FeedStream.open(second.feedPort, `since=${stream.last}&feed=continuous`);
    const b = await LineClient.connect(second.port);
    expect(await b.pipeline(["INDEX|r-3|r-0,r-1", "REMOVE|r-0|", "REMOVE|r-3|", "REMOVE|r-0|"])).toEqual(["OK", "FAIL", "OK", "OK"]);
    await resumed.untilRevision(8);
    expect(resumed.changes.map((c) => [c.rev, c.command, c.name])).toEqual([
      [6, "INDEX", "r-3"],
      [7, "REMOVE", "r-3"],
      [8, "REMOVE", "r-0"],
    ]);
    const all = await changesSince(second.feedPort, 0);
    expect(expectConsecutive(all, 1)).toBeNull();
    expect(all.map((c) => `${c.command} ${c.name} ${c.deps.join(",")}`)).toEqual([
      "INDEX r-0 ",
      "INDEX r-1 r-0",
      "INDEX r-2 r-1",
      "REMOVE r-2 ",
      "INDEX r-1 ",
      "INDEX r-3 r-0,r-1",
      "REMOVE r-3 ",
      "REMOVE r-0 ",
    ]);
    expect(fold(all)).toEqual((await snapshot(second.feedPort)).index);
    resumed.close();
    b.close();
  });

  it("after SIGKILL every acknowledged change is there once, and the numbering goes on from it", async () => {
    const dir = dataDir();
    const first = await start(workers, dir);
    const clients = await Promise.all(Array.from({ length: 4 }, () => LineClient.connect(first.port)));
    const acked = await Promise.all(clients.map((c, k) => c.pipeline(Array.from({ length: 50 }, (_, i) => `INDEX|k${k}-${i}|${i === 0 ? "" : `k${k}-${i - 1}`}`))));
    for (const replies of acked) expect(replies.every((r) => r === "OK")).toBe(true);
    first.child.kill("SIGKILL");
    await first.exited;
    for (const c of clients) c.close();

    const second = await start(workers, dir);
    const before = await snapshot(second.feedPort);
    expect(before.revision).toBe(200);
    const history = await changesSince(second.feedPort, 0);
    expect(expectConsecutive(history, 1)).toBeNull();
    expect(fold(history)).toEqual(before.index);
    expect(before.index.size).toBe(200);
    const c = await LineClient.connect(second.port);
    expect(await c.send("REMOVE|k0-49|")).toBe("OK");
    await untilFeedRevision(second.feedPort, 201);
    expect(await changesSince(second.feedPort, 200)).toEqual([{ rev: 201, command: "REMOVE", name: "k0-49", deps: [] }]);
    c.close();
  });

  it("retention holds across a restart: the store kept only the last N, older since is 410", async () => {
    const dir = dataDir();
    const first = await start(workers, dir, ["--feed-retention", "5"]);
    const a = await LineClient.connect(first.port);
    await a.pipeline(Array.from({ length: 12 }, (_, i) => `INDEX|t-${i}|`));
    a.close();
    expect(await first.stop()).toBe(0);
    const second = await start(workers, dir, ["--feed-retention", "5"]);
    const gone = await feedGet(second.feedPort, "/v1/changes?since=6");
    expect(gone.status).toBe(410);
    expect(gone.body).toMatchObject({ error: "compacted", oldest: 8, current: 12 });
    expect((await changesSince(second.feedPort, 7)).map((c) => c.name)).toEqual(["t-7", "t-8", "t-9", "t-10", "t-11"]);
  });
});
