import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { LineClient } from "./support/line-client.ts";
import { startServer } from "./support/server-process.ts";

// An INDEX or REMOVE that changes nothing (the same dependency set again, a
// missing dependency, a REMOVE of what is not indexed) is answered by an
// I/O worker from the read view with --reads local. Each round below makes
// a stale answer visible: if a worker answered from an old dependency list
// or an old flag, a later REMOVE on the writer would get the wrong reply.
// With PKGINDEX_TEST_STORE=postgres the memory servers run on PostgreSQL,
// which has no read view (--reads is forced to owner): the same rounds then
// check the owner path, and that the workers answered nothing themselves.

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function storeArgs(store: string): string[] {
  if (store === "memory") return ["--store", "memory"];
  const dir = mkdtempSync(path.join(os.tmpdir(), "pkgindex-view-writes-"));
  dirs.push(dir);
  return ["--store", "sqlite", "--data-dir", dir, "--sync", "normal"];
}

interface ThreadCounters {
  role: string;
  localUnchanged: number;
}

describe.each([
  ["local", "memory"],
  ["local", "sqlite"],
  ["owner", "memory"],
])("--workers 3 --reads %s, %s store", (reads, store) => {
  it("INDEX and REMOVE that change nothing get the answers the state owner would give, round after round, under load", async () => {
    const server = await startServer(["--workers", "3", "--reads", reads, ...storeArgs(store)]);
    const listening = (await server.waitForLog((l) => l.msg === "listening")) as { store: string; reads: string };
    const effective = listening.store === "postgres" ? "owner" : reads;
    expect(listening.reads).toBe(effective);
    const writer = await LineClient.connect(server.port);
    // Enough connections that SO_REUSEPORT spreads them over all workers.
    const others = await Promise.all(Array.from({ length: 9 }, () => LineClient.connect(server.port)));
    let loading = true;
    const noise = await LineClient.connect(server.port);
    const load = (async () => {
      for (let i = 0; loading; i++) await noise.pipeline([`INDEX|bg-${i % 40}|`, `INDEX|bg-${i % 40}|`, `QUERY|bg-${(i + 3) % 40}|`, `REMOVE|bg-${(i + 20) % 40}|`]);
    })();
    const wrong: string[] = [];
    const expectReply = (what: string, got: string, want: string) => {
      if (got !== want) wrong.push(`${what}: ${got}, expected ${want}`);
    };
    for (let round = 0; round < 60; round++) {
      const [p, d, e] = [`p${round}`, `d${round}`, `e${round}`];
      expect(await writer.pipeline([`INDEX|${d}|`, `INDEX|${e}|`, `INDEX|${p}|${d},${e}`])).toEqual(["OK", "OK", "OK"]);
      // Unchanged on every other connection: OK.
      for (const [i, r] of (await Promise.all(others.map((c) => c.send(`INDEX|${p}|${e},${d},${e}`)))).entries()) expectReply(`round ${round} unchanged, client ${i}`, r, "OK");
      // The writer drops e from p's list (acknowledged): e has no dependent now.
      expect(await writer.send(`INDEX|${p}|${d}`)).toBe("OK");
      // One other connection puts e back: a change, whatever a stale list says.
      const back = others[round % others.length];
      expectReply(`round ${round} back`, await back.send(`INDEX|${p}|${d},${e}`), "OK");
      expectReply(`round ${round} REMOVE e`, await writer.send(`REMOVE|${e}|`), "FAIL"); // p depends on e again
      for (const [i, r] of (await Promise.all(others.map((c) => c.send(`REMOVE|${d}|`)))).entries()) expectReply(`round ${round} REMOVE d, client ${i}`, r, "FAIL");
      // The writer drops d from p's list: a REMOVE of d elsewhere now removes it, whatever a stale count says.
      expect(await writer.send(`INDEX|${p}|${e}`)).toBe("OK");
      expectReply(`round ${round} REMOVE d now`, await others[(round + 1) % others.length].send(`REMOVE|${d}|`), "OK");
      expectReply(`round ${round} d gone`, await writer.send(`INDEX|x${round}|${d}`), "FAIL");
      // The writer removes p and d (acknowledged): a stale flag would still say d is there.
      expect(await writer.pipeline([`INDEX|${p}|`, `REMOVE|${e}|`, `REMOVE|${p}|`, `REMOVE|${d}|`])).toEqual(["OK", "OK", "OK", "OK"]);
      for (const [i, r] of (await Promise.all(others.map((c) => c.send(`INDEX|q${round}|${d}`)))).entries()) expectReply(`round ${round} missing, client ${i}`, r, "FAIL");
      for (const [i, r] of (await Promise.all(others.map((c) => c.send(`REMOVE|${p}|`)))).entries()) expectReply(`round ${round} remove, client ${i}`, r, "OK");
      expectReply(`round ${round} p gone`, await writer.send(`QUERY|${p}|`), "FAIL");
    }
    loading = false;
    await load;
    expect(wrong).toEqual([]);
    // Pipelined on one connection: an unchanged INDEX behind its own change waits for it.
    for (let i = 0; i < 30; i++) {
      const c = others[i % others.length];
      expect(await c.pipeline([`INDEX|pipe-${i}|`, `INDEX|pipe-${i}|`, `REMOVE|pipe-${i}|`, `REMOVE|pipe-${i}|`, `QUERY|pipe-${i}|`])).toEqual(["OK", "OK", "OK", "OK", "FAIL"]);
    }
    for (const c of [writer, noise, ...others]) c.close();
    const stopped = server.stop();
    const counters = (await server.waitForLog((l) => l.msg === "final counters")) as { threads: ThreadCounters[] };
    const local = counters.threads.filter((t) => t.role === "io-worker").reduce((s, t) => s + t.localUnchanged, 0);
    // The local path really was taken (hundreds of times), or really was not.
    expect(local === 0 ? "never" : local > 500 ? "often" : "rarely").toBe(effective === "local" ? "often" : "never");
    expect(await stopped).toBe(0);
  });
});
