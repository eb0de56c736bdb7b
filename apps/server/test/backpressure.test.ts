import { metricSum, scrapeMetrics } from "@pkgindex/server-process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LineClient } from "./support/line-client.ts";
import { MODES, startServer, type ServerProcess } from "./support/server-process.ts";
import { fillUntilNotRead, LINES_PER_UNIT, replyAt } from "./support/slow-reader.ts";

function rssKiB(pid: number): Promise<number> {
  return import("node:fs/promises").then(async (fs) => {
    const status = await fs.readFile(`/proc/${pid}/status`, "utf8");
    return Number(/VmRSS:\s+(\d+)/.exec(status)![1]);
  });
}

// What the client writes once the server has stopped reading: 64 MiB in
// lines of 8 KiB, each one followed by a QUERY, so the bytes are many (they
// must stay with the client, not in the server) and the replies few (the
// index answers 8,192 QUERYs, whatever the store). The kernel may take up
// to ~36 MiB of it (the client's send buffer, 4 MiB at most here, and the
// server's receive buffer, autotuned up to 32 MiB): the rest stays queued
// in the client.
const SURPLUS_UNIT = `${"x".repeat(8191)}\nQUERY|greedy-never-indexed|\n`;
const SURPLUS_UNITS = 8192;

describe.each(MODES)("a client that does not read its replies, --workers %i", (workers) => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await startServer([
      "--workers", String(workers), "--store", "memory", "--log-level", "debug",
      "--max-pending-replies", "256", "--max-write-buffer", "65536",
    ], {}, { admin: true });
  });
  afterAll(async () => {
    expect(await server.stop()).toBe(0);
  });

  it("stops being read, costs bounded memory, and still gets every reply in order once it reads", async () => {
    const greedy = await LineClient.connect(server.port);
    greedy.socket.pause(); // never read, for now
    const rssBefore = await rssKiB(server.child.pid!);
    // Until the server says its buffer for this client is full (the kernel's are by then).
    const units = await fillUntilNotRead(server, greedy.socket);
    // Write without waiting for drain: Node queues it client-side, which is
    // where the surplus must stay once the server stops reading.
    for (let i = 0; i < SURPLUS_UNITS; i++) greedy.write(SURPLUS_UNIT);
    // Malformed lines are counted as they are read: while the count stays,
    // the server reads nothing, though the client has tens of MiB for it.
    const malformed = async () => metricSum(await scrapeMetrics(server.adminPort), "pkgindex_protocol_errors_total");
    const readBefore = await malformed();

    // Everyone else is served meanwhile.
    const other = await LineClient.connect(server.port);
    expect(await other.send("INDEX|bp-other|")).toBe("OK");

    const rssPaused = await rssKiB(server.child.pid!);
    expect(await malformed()).toBe(readBefore);
    // The server buffered neither what the client still holds (16 MiB and
    // more) nor the replies it owes: only up to one read chunk and
    // --max-write-buffer.
    expect(greedy.socket.writableLength).toBeGreaterThan(16 * 1024 * 1024);
    expect(rssPaused - rssBefore).toBeLessThan(16 * 1024);

    greedy.socket.resume();
    const filler = units * LINES_PER_UNIT;
    const expected = filler + 2 * SURPLUS_UNITS;
    await greedy.waitForReplies(expected);
    expect(greedy.replies.length).toBe(expected);
    const wrong: string[] = [];
    for (let i = 0; i < expected && wrong.length < 5; i++) {
      const want = i < filler ? replyAt(i) : (i - filler) % 2 === 0 ? "ERROR" : "FAIL";
      if (greedy.replies[i] !== want) wrong.push(`reply ${i}: ${greedy.replies[i]}, expected ${want}`);
    }
    expect(wrong).toEqual([]);
    expect(await greedy.send("INDEX|bp-after|")).toBe("OK");
    greedy.close();
    other.close();
  });
});
