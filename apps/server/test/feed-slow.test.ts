import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { changesSince, expectConsecutive, FeedStream, startWithFeed, untilFeedRevision, type Change, type FeedServerProcess } from "./support/feed-client.ts";
import { LineClient } from "./support/line-client.ts";

const BASE = 800;
const WIDE_CHANGES = 1500;

/** A continuous stream whose reader stops reading at once (the kernel's buffers fill, then the server's). */
function stalledStream(port: number): Promise<{ resume(): Promise<string> }> {
  return new Promise((resolve) => {
    http.get({ host: "127.0.0.1", port, path: "/v1/changes?since=now&feed=continuous" }, (res) => {
      res.pause();
      resolve({
        resume: () =>
          new Promise((done) => {
            let body = "";
            res.setEncoding("utf8");
            res.on("data", (chunk: string) => (body += chunk));
            res.on("close", () => done(body));
            res.on("error", () => done(body));
            res.resume();
          }),
      });
    });
  });
}

describe.each([0, 2])("a stalled feed subscriber, --workers %i", (workers) => {
  let server: FeedServerProcess;
  beforeAll(async () => {
    server = await startWithFeed(["--workers", String(workers), "--store", "memory", "--feed-max-buffer", "65536", "--feed-stall-timeout", "1"]);
  });
  afterAll(async () => {
    expect(await server.stop()).toBe(0);
  });

  it("is cut off with a reason while the others keep up, and resumes from its last revision", async () => {
    const client = await LineClient.connect(server.port);
    const base = Array.from({ length: BASE }, (_, i) => `wide-base-${i}`);
    expect((await client.pipeline(base.map((b) => `INDEX|${b}|`))).every((r) => r === "OK")).toBe(true);
    const start = BASE;
    // The feed hears of a change just after its OK (on PostgreSQL, after the
    // NOTIFY and a read of pkgindex.changes): `since=now` below must mean `start`.
    await untilFeedRevision(server.feedPort, start);
    const stalled = await stalledStream(server.feedPort);
    const keeping = await Promise.all([0, 1, 2].map(() => FeedStream.open(server.feedPort, `since=${start}&feed=continuous`)));

    // Each change carries 799 or 800 dependencies (about 15 KB of JSON): megabytes in all, far past any socket buffer.
    for (let i = 0; i < WIDE_CHANGES; i += 50) {
      const lines = Array.from({ length: 50 }, (_, j) => `INDEX|wide|${((i + j) % 2 === 0 ? base : base.slice(1)).join(",")}`);
      expect((await client.pipeline(lines)).every((r) => r === "OK")).toBe(true);
    }
    const end = start + WIDE_CHANGES;
    const cut = await server.waitForLog((l) => l.msg === "feed: stream cut off");
    expect(String(cut.reason)).toMatch(/too slow: more than 65536 bytes stayed unread for 1000 ms/);
    await Promise.all(keeping.map((s) => s.untilRevision(end)));
    for (const s of keeping) {
      expect(expectConsecutive(s.changes, start + 1)).toBeNull();
      expect(s.changes.length).toBe(WIDE_CHANGES);
    }

    // What the stalled reader got is a consecutive prefix; from its last revision it gets exactly the rest.
    const body = await stalled.resume();
    // Complete lines only: the server destroys a cut-off socket that does not drain, possibly mid-line.
    const got: Change[] = body
      .slice(0, body.lastIndexOf("\n"))
      .split("\n")
      .filter((l) => l.startsWith('{"rev"'))
      .map((l) => JSON.parse(l) as Change);
    expect(got.length).toBeLessThan(WIDE_CHANGES);
    expect(expectConsecutive(got, start + 1)).toBeNull();
    const last = got.at(-1)?.rev ?? start;
    const rest = await changesSince(server.feedPort, last);
    expect(expectConsecutive(rest, last + 1)).toBeNull();
    expect(rest.at(-1)?.rev).toBe(end);
    for (const s of keeping) s.close();
    client.close();
  });
});
