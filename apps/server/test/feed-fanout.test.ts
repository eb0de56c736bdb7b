import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectConsecutive, FeedStream, startWithFeed, untilFeedRevision, type FeedServerProcess } from "./support/feed-client.ts";
import { LineClient } from "./support/line-client.ts";
import { adminGet } from "./support/server-process.ts";

const STREAMS = 1000;

function gauge(metrics: string, name: string): number {
  const line = metrics.split("\n").find((l) => l.startsWith(`${name} `));
  return line === undefined ? Number.NaN : Number(line.slice(name.length + 1));
}

describe.each([0, 2])("feed fan-out, --workers %i", (workers) => {
  let server: FeedServerProcess;
  beforeAll(async () => {
    server = await startWithFeed(["--workers", String(workers), "--store", "memory"], { admin: true });
  });
  afterAll(async () => {
    expect(await server.stop()).toBe(0);
  });

  it("1,000 streams each receive every change, in order, while the index keeps answering; the revision is in /readyz?verbose and /metrics", async () => {
    const streams = await Promise.all(Array.from({ length: STREAMS }, (_, i) => FeedStream.open(server.feedPort, `since=0&feed=${i % 2 === 0 ? "continuous" : "eventsource"}`)));
    expect(streams.every((s) => s.status === 200)).toBe(true);
    expect(gauge((await adminGet(server.adminPort, "/metrics")).body, "pkgindex_feed_streams")).toBe(STREAMS);
    const client = await LineClient.connect(server.port);
    const lines = Array.from({ length: 200 }, (_, i) => (i % 4 === 3 ? `REMOVE|fan-${i - 1}|` : `INDEX|fan-${i}|`));
    expect((await client.pipeline(lines)).every((r) => r === "OK")).toBe(true);
    await untilFeedRevision(server.feedPort, 200);
    await Promise.all(streams.map((s) => s.untilRevision(200)));
    for (const s of streams) {
      expect(s.changes.length).toBe(200);
      expect(expectConsecutive(s.changes, 1)).toBeNull();
    }
    expect(await client.send("QUERY|fan-0|")).toBe("OK");
    // The current revision, for operators: /readyz?verbose and pkgindex_revision.
    expect((await adminGet(server.adminPort, "/readyz?verbose")).body).toContain("revision: 200\n");
    expect(gauge((await adminGet(server.adminPort, "/metrics")).body, "pkgindex_revision")).toBe(200);
    for (const s of streams) s.close();
    client.close();
  });
});
