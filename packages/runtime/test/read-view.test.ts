import { MessageChannel, type MessagePort } from "node:worker_threads";
import { DependencyGraph } from "@pkgindex/graph";
import { CommandStats } from "@pkgindex/metrics";
import * as fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { ReferenceIndex } from "../../graph/test/support/reference-index.ts";
import { ConnectionServer } from "../src/connection-server.ts";
import { ForwardingDispatcher } from "../src/forwarding-dispatcher.ts";
import { IndexEngine } from "../src/index-engine.ts";
import { REPLY_FAIL, REPLY_OK } from "@pkgindex/protocol";
import { ReadViewReader, ReadViewWriter } from "../src/read-view.ts";
import { ControlledStore } from "./support/controlled-store.ts";
import { LineSocket } from "./support/line-socket.ts";
import { capturingLogger, testConfig } from "./support/test-config.ts";

const ports: MessagePort[] = [];
const servers: ConnectionServer[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.cutOff();
  for (const p of ports.splice(0)) p.close();
});

/** Resolves after the event loop has run `turns` more turns (I/O included). */
async function turns(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/**
 * The worker layout with --reads local in one thread: a state owner (the
 * engine over a store whose commits the test releases, publishing to a
 * ReadViewWriter) and an I/O side (ForwardingDispatcher with a
 * ReadViewReader) joined by a MessageChannel.
 */
async function layout() {
  const store = new ControlledStore();
  const view = new ReadViewWriter();
  const graph = new DependencyGraph({ shared: { shared: true, onReplaced: () => view.replaced() } });
  const engine = new IndexEngine(graph, store);
  engine.attachReadView(view);
  const channel = new MessageChannel();
  ports.push(channel.port1, channel.port2);
  const owner = channel.port1;
  let batches = 0;
  owner.on("message", (batch: Uint8Array) => {
    batches++;
    engine.applyBatchAndReply(batch, (codes) => owner.postMessage(codes, [codes.buffer as ArrayBuffer]));
  });
  view.addPort(owner);
  const stats = new CommandStats();
  const dispatcher = new ForwardingDispatcher(channel.port2, new ReadViewReader(), stats);
  const server = new ConnectionServer(testConfig({ workers: 1 }), dispatcher, stats, capturingLogger().logger, new Int32Array(1), null);
  servers.push(server);
  const port = (await server.listen({ plain: 0, tls: null }, false)).plain!;
  return { store, stats, port, engine, batchesSeen: () => batches };
}

/** Indexes `lines` on `c` and releases every commit until all are answered. */
async function committed(store: ControlledStore, c: LineSocket, lines: string[]): Promise<void> {
  const want = c.replies.length + lines.length;
  c.write(lines.map((l) => `${l}\n`).join(""));
  while (c.replies.length < want) {
    if (store.pending > 0) store.resolveNext();
    await turns(1);
  }
}
const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

describe("read view (in-process)", () => {
  it("a QUERY on another connection answered from the view does not see a change whose commit is held back", async () => {
    const { store, stats, port, batchesSeen } = await layout();
    const writer = await LineSocket.connect(port);
    const reader = await LineSocket.connect(port);
    writer.write("INDEX|a|\n");
    while (store.pending === 0) await turns(1);
    // Applied at the state owner, commit in flight: not visible.
    reader.write("QUERY|a|\n");
    expect(await reader.waitForReplies(1)).toEqual(["FAIL"]);
    expect(stats.localReads).toBe(1);
    expect(writer.replies).toEqual([]);
    store.resolveNext();
    expect(await writer.waitForReplies(1)).toEqual(["OK"]);
    // Acknowledged: published before the reply was posted, so visible now.
    reader.write("QUERY|a|\n");
    expect(await reader.waitForReplies(2)).toEqual(["FAIL", "OK"]);
    expect(stats.localReads).toBe(2);
    expect(batchesSeen()).toBe(1);
  });

  it("changes undone after a full store refused their commit are never visible: ERROR to the writer, the old state from the view", async () => {
    const { store, stats, port } = await layout();
    const writer = await LineSocket.connect(port);
    const reader = await LineSocket.connect(port);
    writer.write("INDEX|a|\n");
    while (store.pending === 0) await turns(1);
    store.resolveNext();
    expect(await writer.waitForReplies(1)).toEqual(["OK"]);

    // x is a new name: interned in the shared name table, then undone.
    writer.write("INDEX|x|\nREMOVE|a|\nQUERY|x|\n");
    while (store.pending === 0) await turns(1);
    store.full = true;
    store.failNextFull();
    expect(await writer.waitForReplies(4)).toEqual(["OK", "ERROR", "ERROR", "ERROR"]);
    const localBefore = stats.localReads;
    reader.write("QUERY|x|\nQUERY|a|\n");
    expect(await reader.waitForReplies(2)).toEqual(["FAIL", "OK"]);
    writer.write("QUERY|x|\nQUERY|a|\nINDEX|y|\n");
    expect(await writer.waitForReplies(7)).toEqual(["OK", "ERROR", "ERROR", "ERROR", "FAIL", "OK", "ERROR"]);
    expect(stats.localReads).toBe(localBefore + 4); // answered by the view itself
    expect(store.pending).toBe(0);
  });

  it("a pipelined QUERY behind its own connection's INDEX goes to the state owner and sees it", async () => {
    const { store, stats, port } = await layout();
    const c = await LineSocket.connect(port);
    c.write("INDEX|p|\nQUERY|p|\n");
    while (store.pending === 0) await turns(1);
    store.resolveNext();
    expect(await c.waitForReplies(2)).toEqual(["OK", "OK"]);
    expect(stats.localReads).toBe(0);
  });

  it("after the tables are replaced, readers switch to the new ones and still answer locally", async () => {
    const { store, stats, port } = await layout();
    const c = await LineSocket.connect(port);
    // 3,000 names: the id arrays (1,024) and hash slots (2,048) are replaced.
    c.write(Array.from({ length: 3000 }, (_, i) => `INDEX|n${i}|\n`).join(""));
    while (c.replies.length < 3000) {
      if (store.pending > 0) store.resolveNext();
      await turns(1);
    }
    const before = stats.localReads;
    c.write("QUERY|n2999|\n");
    expect(await c.waitForReplies(3001)).toContain("OK");
    expect(c.replies[3000]).toBe("OK");
    expect(stats.localReads).toBe(before + 1);
  });


  it("an INDEX or REMOVE that changes nothing is answered from the view; one that changes something goes to the state owner", async () => {
    const { store, stats, port, batchesSeen } = await layout();
    const writer = await LineSocket.connect(port);
    await committed(store, writer, ["INDEX|b|", "INDEX|c|", "INDEX|a|b,c"]);
    expect(writer.replies).toEqual(["OK", "OK", "OK"]);
    const batches = batchesSeen();

    const other = await LineSocket.connect(port);
    // Same set (order and repeats do not matter), a missing dependency, a REMOVE of a name never indexed.
    other.write("INDEX|a|c,b,b\nINDEX|b|\nINDEX|z|b,missing\nREMOVE|never|\nINDEX|a|b,c,\n");
    expect(await other.waitForReplies(5)).toEqual(["OK", "OK", "FAIL", "OK", "ERROR"]);
    expect(stats.localUnchanged).toBe(4);
    expect(batchesSeen()).toBe(batches);

    // A different set: the owner's.
    other.write("INDEX|a|b\n");
    while (store.pending === 0) await turns(1);
    expect(other.replies).toHaveLength(5);
    store.resolveNext();
    expect(await other.waitForReplies(6)).toEqual(["OK", "OK", "FAIL", "OK", "ERROR", "OK"]);
    expect(batchesSeen()).toBe(batches + 1);
    // A REMOVE that others depend on fails without changing anything; c has no dependent any more.
    other.write("REMOVE|b|\n");
    expect(await other.waitForReplies(7)).toEqual(["OK", "OK", "FAIL", "OK", "ERROR", "OK", "FAIL"]);
    expect(stats.localUnchanged).toBe(5);
    expect(batchesSeen()).toBe(batches + 1);
    other.write("REMOVE|c|\n");
    while (store.pending === 0) await turns(1);
    store.resolveNext();
    expect(await other.waitForReplies(8)).toEqual(["OK", "OK", "FAIL", "OK", "ERROR", "OK", "FAIL", "OK"]);
    expect(batchesSeen()).toBe(batches + 2);
    // The new list is what the view compares with now.
    other.write("INDEX|a|b\nINDEX|a|b,c\n");
    while (store.pending === 0 && other.replies.length < 10) await turns(1);
    expect(other.replies.slice(8)).toEqual(["OK", "FAIL"]); // c is gone: a FAIL for a missing dependency
    expect(stats.localUnchanged).toBe(7);
  });

  it("a REMOVE of a package that only depends on itself is the state owner's (--allow-cycles)", async () => {
    const store = new ControlledStore();
    const view = new ReadViewWriter();
    const graph = new DependencyGraph({ allowCycles: true, shared: { shared: true, onReplaced: () => view.replaced() } });
    const engine = new IndexEngine(graph, store);
    engine.attachReadView(view);
    graph.restore("s", ["s"]); // a self-edge: as a stored cyclic index loads
    graph.restore("t", ["s"]);
    view.published(graph.names.lookupString("s"), true);
    view.published(graph.names.lookupString("t"), true);
    const reader = new ReadViewReader();
    const channel = new MessageChannel();
    ports.push(channel.port1, channel.port2);
    const tables = new Promise<void>((resolve) => channel.port2.once("message", (m) => (reader.update(m), resolve())));
    view.addPort(channel.port1);
    await tables;
    expect(reader.remove(bytes("s"), 0, 1)).toBe(REPLY_FAIL); // t depends on it
    graph.remove("t");
    view.published(graph.names.lookupString("t"), false);
    expect(reader.remove(bytes("t"), 0, 1)).toBe(REPLY_OK); // not indexed
    expect(reader.remove(bytes("s"), 0, 1)).toBe(-1); // only its own edge: REMOVE would succeed
  });

  it("while a change to a package's dependencies waits for its commit, an INDEX of its old or new list is not answered from the view", async () => {
    const { store, stats, port, batchesSeen } = await layout();
    const writer = await LineSocket.connect(port);
    await committed(store, writer, ["INDEX|b|", "INDEX|a|b"]);
    writer.write("INDEX|a|\n"); // applied in place in the shared lists; commit held back
    while (store.pending === 0) await turns(1);
    const before = batchesSeen();
    const reader = await LineSocket.connect(port);
    reader.write("INDEX|a|\nINDEX|a|b\n");
    // Both go to the state owner, whose replies wait for the commits.
    while (batchesSeen() === before && reader.replies.length === 0) await turns(1);
    expect(reader.replies).toEqual([]);
    expect(stats.localUnchanged).toBe(0);
    while (reader.replies.length < 2) {
      if (store.pending > 0) store.resolveNext();
      await turns(1);
    }
    expect(reader.replies).toEqual(["OK", "OK"]);
    expect(await writer.waitForReplies(3)).toEqual(["OK", "OK", "OK"]);
  });

  it("an unchanged INDEX after the dependency lists were replaced (pool growth) is still answered right", async () => {
    const { store, stats, port } = await layout();
    const c = await LineSocket.connect(port);
    // 600 packages with 4 dependencies each: 2,400 edges outgrow the 1,024-slot pool twice.
    const lines = ["INDEX|d0|", "INDEX|d1|", "INDEX|d2|", "INDEX|d3|"];
    for (let i = 0; i < 600; i++) lines.push(`INDEX|p${i}|d0,d1,d2,d3`);
    await committed(store, c, lines);
    const other = await LineSocket.connect(port);
    other.write("INDEX|p0|d3,d2,d1,d0\nINDEX|p599|d0,d1,d2,d3\nINDEX|p300|d0,d1,d2\n");
    while (store.pending === 0 && other.replies.length < 3) await turns(1);
    expect(other.replies).toEqual(["OK", "OK"]);
    expect(stats.localUnchanged).toBe(2);
    store.resolveNext();
    expect(await other.waitForReplies(3)).toEqual(["OK", "OK", "OK"]);
  });

  it("while the store is full, an INDEX that would change nothing is answered ERROR like every write", async () => {
    const { store, stats, port } = await layout();
    const writer = await LineSocket.connect(port);
    await committed(store, writer, ["INDEX|a|"]);
    writer.write("INDEX|x|\n");
    while (store.pending === 0) await turns(1);
    store.full = true;
    store.failNextFull();
    expect(await writer.waitForReplies(2)).toEqual(["OK", "ERROR"]);
    const other = await LineSocket.connect(port);
    other.write("INDEX|a|\nREMOVE|never|\nQUERY|a|\n");
    expect(await other.waitForReplies(3)).toEqual(["ERROR", "ERROR", "OK"]);
    expect(stats.localUnchanged).toBe(0);
  });

  it("answers every command sent one at a time from several connections as the reference model does", async () => {
    const names = ["a", "b", "c"];
    const command = fc.oneof(
      fc.record({ kind: fc.constant("INDEX"), name: fc.constantFrom(...names), deps: fc.array(fc.constantFrom(...names), { maxLength: 3 }) }),
      fc.record({ kind: fc.constant("REMOVE"), name: fc.constantFrom(...names), deps: fc.constant([] as string[]) }),
      fc.record({ kind: fc.constant("QUERY"), name: fc.constantFrom(...names), deps: fc.constant([] as string[]) }),
    );
    let localTotal = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.nat(2), command), { minLength: 1, maxLength: 60 }), async (ops) => {
        const { store, stats, port } = await layout();
        const conns = await Promise.all([0, 1, 2].map(() => LineSocket.connect(port)));
        const model = new ReferenceIndex(false);
        try {
          for (const [k, op] of ops) {
            const c = conns[k];
            const want =
              op.kind === "INDEX"
                ? ["MISSING", "CYCLE"].includes(model.index(op.name, op.deps)) ? "FAIL" : "OK"
                : op.kind === "REMOVE"
                  ? model.remove(op.name) === "HAS_DEPENDENTS" ? "FAIL" : "OK"
                  : model.query(op.name) ? "OK" : "FAIL";
            const n = c.replies.length + 1;
            c.write(`${op.kind}|${op.name}|${op.deps.join(",")}\n`);
            while (c.replies.length < n) {
              if (store.pending > 0) store.resolveNext();
              await turns(1);
            }
            expect(`${op.kind}|${op.name}|${op.deps.join(",")} -> ${c.replies[n - 1]}`).toBe(`${op.kind}|${op.name}|${op.deps.join(",")} -> ${want}`);
          }
          localTotal += stats.localUnchanged;
        } finally {
          for (const s of servers.splice(0)) s.cutOff();
          for (const p of ports.splice(0)) p.close();
        }
      }),
      { numRuns: 150 },
    );
    // The property covered the local path, not only the owner's.
    expect(localTotal).toBeGreaterThan(60);
  });
});
