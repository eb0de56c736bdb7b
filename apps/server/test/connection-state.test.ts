import net from "node:net";
import { metricSum, scrapeMetrics } from "@pkgindex/server-process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type ServerProcess } from "./support/server-process.ts";

// Issue 19: a connection that has closed leaves nothing behind. 20,000
// connections of every kind a short-lived client makes are opened and
// closed; afterwards the server's own count of connections it holds state
// for (pkgindex_connections_tracked, its connection tables) must be 0 in
// every thread, as must the open count, and every one must have been seen.
// With --test-hooks each thread also counts the Connection objects still on
// its heap after a full GC (v8.queryObjects): a timer, closure or list that
// kept a closed connection would show there, even with the tables empty.
const CONNECTIONS = 20_000;
const PARALLEL = 64;

/** One short-lived client of kind i % 5; resolves when its socket has closed. */
function shortLived(port: number, i: number): Promise<void> {
  return new Promise((resolve, reject) => {
    // The client closes first in every kind, so TIME_WAIT is on our side,
    // where Linux reuses it for new loopback connections (tcp_tw_reuse).
    const socket = net.connect({ port, host: "127.0.0.1" });
    let replies = "";
    socket.setEncoding("latin1");
    socket.on("error", reject);
    socket.on("close", () => resolve());
    const kind = i % 5;
    socket.on("data", (text: string) => {
      replies += text;
      // Kinds 0 and 3: the client closes first, once answered.
      if ((kind === 0 && replies === "FAIL\n") || (kind === 3 && replies === "ERROR\n")) socket.destroy();
    });
    socket.on("end", () => {
      // Kind 1: the server ends after answering a half-closed client.
      if (kind === 1 && replies !== `OK\nOK\n`) reject(new Error(`half-close got ${JSON.stringify(replies)}`));
      socket.end();
    });
    socket.once("connect", () => {
      if (kind === 0) socket.write("QUERY|never-indexed|\n");
      else if (kind === 1) socket.end(`INDEX|churn-${i % 50}|\nQUERY|churn-${i % 50}|\n`);
      else if (kind === 2) socket.destroy(); // connects and leaves without a byte
      else if (kind === 3) socket.write("not a request\nQUERY|half"); // malformed, then a line cut off
      else socket.end("QUERY|cut-off-by-fin"); // bytes that never finish a line, then FIN
    });
  });
}

async function churn(port: number): Promise<void> {
  let next = 0;
  const loop = async () => {
    while (next < CONNECTIONS) await shortLived(port, next++);
  };
  await Promise.all(Array.from({ length: PARALLEL }, loop));
}

/** Scrapes until `done` holds for the text, or throws after `ms`. */
async function scrapeUntil(adminPort: number, done: (text: string) => boolean, ms: number): Promise<string> {
  const deadline = Date.now() + ms;
  for (;;) {
    const text = await scrapeMetrics(adminPort);
    if (done(text) || Date.now() > deadline) return text;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe.each([0, 2])("20,000 short-lived connections leave nothing behind, --workers %i", (workers) => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await startServer(["--workers", String(workers), "--store", "memory", "--max-connections", "0", "--test-hooks"], {}, { admin: true });
  });
  afterAll(async () => {
    expect(await server.stop()).toBe(0);
  });

  it("holds no state for any of them afterwards", { timeout: 60_000 }, async () => {
    const before = await scrapeMetrics(server.adminPort);
    await churn(server.port);
    // Our sockets have all closed; the server's close events may still be on their way.
    // Once the tables are empty every close has been handled, so the same
    // scrape's heap census must find no Connection either: something that
    // kept one a little longer (a timer) would show here.
    // (Every connection counted as accepted: a thread that missed the
    // scrape's deadline stands in with older figures, which cannot pass.)
    const accepted = (t: string) => metricSum(t, "pkgindex_connections_accepted_total") - metricSum(before, "pkgindex_connections_accepted_total");
    const after = await scrapeUntil(server.adminPort, (t) => accepted(t) === CONNECTIONS && metricSum(t, "pkgindex_connections_tracked") === 0, 10_000);

    expect(accepted(after)).toBe(CONNECTIONS);
    expect(metricSum(after, "pkgindex_connections_open")).toBe(0);
    const tracked = after.split("\n").filter((l) => l.startsWith("pkgindex_connections_tracked{"));
    expect(tracked.length).toBe(workers === 0 ? 1 : workers);
    expect(tracked.filter((l) => !l.endsWith(" 0"))).toEqual([]);
    const objects = after.split("\n").filter((l) => l.startsWith("pkgindex_debug_connection_objects{"));
    expect(objects.length).toBe(workers === 0 ? 1 : workers);
    expect(objects.filter((l) => !l.endsWith(" 0"))).toEqual([]);
    // Every request line that was answered was timed: kinds 0, 1 (two each) and 3.
    const answered = (CONNECTIONS / 5) * 4;
    expect(metricSum(after, "pkgindex_request_duration_seconds_count") - metricSum(before, "pkgindex_request_duration_seconds_count")).toBe(answered);
  });
});
