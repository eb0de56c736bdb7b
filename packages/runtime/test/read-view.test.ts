import { MessageChannel, type MessagePort } from "node:worker_threads";
import { DependencyGraph } from "@pkgindex/graph";
import { CommandStats } from "@pkgindex/metrics";
import { afterEach, describe, expect, it } from "vitest";
import { ConnectionServer } from "../src/connection-server.ts";
import { ForwardingDispatcher } from "../src/forwarding-dispatcher.ts";
import { IndexEngine } from "../src/index-engine.ts";
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
  const graph = new DependencyGraph({ names: { shared: true, onReplaced: () => view.replaced() } });
  const engine = new IndexEngine(graph, store);
  view.bind(graph);
  engine.addChangeListener(view);
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
  return { store, stats, port, batchesSeen: () => batches };
}

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
});
