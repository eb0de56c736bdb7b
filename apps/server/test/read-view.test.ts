import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { LineClient } from "./support/line-client.ts";
import { startServer } from "./support/server-process.ts";

// QUERY answered by the I/O workers from the shared read view (--reads
// local) against the pure actor path (--reads owner): the same answers.
// With PKGINDEX_TEST_STORE=postgres the memory servers run on PostgreSQL,
// which has no read view (--reads is forced to owner, docs/DECISIONS.md
// issue 13): there the same rounds check that the owner path answered
// every read and saw every acknowledged write.

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function storeArgs(store: string): string[] {
  if (store === "memory") return ["--store", "memory"];
  const dir = mkdtempSync(path.join(os.tmpdir(), "pkgindex-view-"));
  dirs.push(dir);
  return ["--store", "sqlite", "--data-dir", dir, "--sync", "normal"];
}

/** Background load: pipelined INDEX/QUERY/REMOVE on names of its own until stopped. */
function backgroundLoad(clients: LineClient[]): { stop(): Promise<void> } {
  let running = true;
  const loops = clients.map(async (c, k) => {
    for (let i = 0; running; i++) {
      const n = `bg-${k}-${i % 50}`;
      await c.pipeline([`INDEX|${n}|`, `QUERY|${n}|`, `REMOVE|${n}|`, `QUERY|bg-${k}-${(i + 7) % 50}|`]);
    }
  });
  return {
    async stop() {
      running = false;
      await Promise.all(loops);
    },
  };
}

describe.each([
  ["local", "memory"],
  ["local", "sqlite"],
  ["owner", "memory"],
])("--workers 3 --reads %s, %s store", (reads, store) => {
  it("an acknowledged INDEX or REMOVE on one connection is seen by a QUERY on every other, round after round, under load", async () => {
    const server = await startServer(["--workers", "3", "--reads", reads, ...storeArgs(store)]);
    // The mode in effect, from the store the server really runs on.
    const listening = (await server.waitForLog((l) => l.msg === "listening")) as { store: string; reads: string };
    const effective = listening.store === "postgres" ? "owner" : reads;
    expect(listening.reads).toBe(effective);
    // Enough connections that SO_REUSEPORT spreads them over all workers.
    const clients = await Promise.all(Array.from({ length: 9 }, () => LineClient.connect(server.port)));
    const load = backgroundLoad(await Promise.all(Array.from({ length: 3 }, () => LineClient.connect(server.port))));
    const wrong: string[] = [];
    for (let round = 0; round < 150; round++) {
      const writer = clients[round % clients.length];
      const name = `seen-${round % 10}`;
      const indexing = round % 20 < 10;
      expect(await writer.send(indexing ? `INDEX|${name}|` : `REMOVE|${name}|`)).toBe("OK");
      const want = indexing ? "OK" : "FAIL";
      const answers = await Promise.all(clients.map((c) => c.send(`QUERY|${name}|`)));
      answers.forEach((a, i) => a !== want && wrong.push(`round ${round}, client ${i}: ${a}, expected ${want}`));
    }
    await load.stop();
    expect(wrong).toEqual([]);
    // Pipelined on one connection: the QUERY waits behind its INDEX.
    for (let i = 0; i < 50; i++) {
      expect(await clients[i % clients.length].pipeline([`INDEX|pipe-${i}|`, `QUERY|pipe-${i}|`, `REMOVE|pipe-${i}|`, `QUERY|pipe-${i}|`])).toEqual(["OK", "OK", "OK", "FAIL"]);
    }
    for (const c of clients) c.close();
    const stopped = server.stop();
    const counters = (await server.waitForLog((l) => l.msg === "final counters")) as { threads: { role: string; localReads: number }[] };
    const local = counters.threads.filter((t) => t.role === "io-worker").reduce((s, t) => s + t.localReads, 0);
    // The local path really was taken (thousands of times), or really was not.
    expect(local === 0 ? "never" : local > 1000 ? "often" : "rarely").toBe(effective === "local" ? "often" : "never");
    expect(await stopped).toBe(0);
  });
});

describe("--workers 3 --reads local, the shared tables growing", () => {
  it("gives no wrong answer to QUERY load while INDEX grows the name table and flags many times", async () => {
    const server = await startServer(["--workers", "3", "--store", "memory"]);
    // 60,000 new names (below) make the read view's tables grow. On
    // PostgreSQL (PKGINDEX_TEST_STORE=postgres) there is no read view to
    // grow, and every INDEX is a database insert: a sixth of them still
    // checks that QUERYs see no wrong answer while the index grows.
    const { store } = (await server.waitForLog((l) => l.msg === "listening")) as { store: string };
    const batches = store === "postgres" ? 10 : 60;
    const writer = await LineClient.connect(server.port);
    expect(await writer.pipeline(Array.from({ length: 100 }, (_, i) => `INDEX|known-${i}|`))).toEqual(Array(100).fill("OK"));
    const readers = await Promise.all(Array.from({ length: 6 }, () => LineClient.connect(server.port)));
    let growing = true;
    const wrong: string[] = [];
    let checked = 0;
    const reads = readers.map(async (r, k) => {
      while (growing) {
        const lines: string[] = [];
        for (let i = 0; i < 20; i++) lines.push(`QUERY|known-${(k * 13 + i) % 100}|`, `QUERY|never-${k}-${i}|`);
        const replies = await r.pipeline(lines);
        replies.forEach((rep, i) => {
          const want = i % 2 === 0 ? "OK" : "FAIL";
          if (rep !== want) wrong.push(`${lines[i]} -> ${rep}`);
        });
        checked += lines.length;
      }
    });
    // 60,000 new names with long names: the arena (64 KiB), the id arrays
    // (1,024), the hash slots and the flags each double several times.
    for (let b = 0; b < batches; b++) {
      const lines = Array.from({ length: 1000 }, (_, i) => `INDEX|grow-${b}-${i}-${"x".repeat(40)}|known-${i % 100}`);
      const replies = await writer.pipeline(lines);
      expect(replies.every((r) => r === "OK")).toBe(true);
    }
    growing = false;
    await Promise.all(reads);
    expect(wrong).toEqual([]);
    expect(checked).toBeGreaterThan(1000);
    // And the new names are visible to everyone afterwards.
    expect(await readers[0].pipeline([`QUERY|grow-${batches - 1}-999-${"x".repeat(40)}|`, `QUERY|grow-0-0-${"x".repeat(40)}|`])).toEqual(["OK", "OK"]);
    for (const c of [writer, ...readers]) c.close();
    expect(await server.stop()).toBe(0);
  });
});
