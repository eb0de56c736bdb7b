import { MessageChannel, type MessagePort } from "node:worker_threads";
import { DependencyGraph } from "@pkgindex/graph";
import { CommandStats } from "@pkgindex/metrics";
import { openStore } from "@pkgindex/store";
import { afterEach, describe, expect, it } from "vitest";
import { ConnectionServer } from "../src/connection-server.ts";
import { ForwardingDispatcher } from "../src/forwarding-dispatcher.ts";
import { IndexEngine } from "../src/index-engine.ts";
import { LocalDispatcher } from "../src/local-dispatcher.ts";
import type { CommandDispatcher } from "../src/connection.ts";
import { LineSocket } from "./support/line-socket.ts";
import { capturingLogger, testConfig } from "./support/test-config.ts";

/**
 * The worker layout's data path in one thread: a ConnectionServer with the
 * ForwardingDispatcher, and a stand-in state owner on the other end of a
 * MessageChannel that applies each batch with the real engine. Every batch
 * message is recorded, so batching and reply matching can be checked.
 */
function stateOwnerOn(port: MessagePort) {
  const engine = new IndexEngine(new DependencyGraph(), openStore({ kind: "memory", dataDir: "", sync: "full" }));
  const batches: string[][] = [];
  let holdReplies = false;
  const held: Uint8Array[] = [];
  port.on("message", (batch: Uint8Array) => {
    batches.push(Buffer.from(batch).toString("latin1").split("\n").filter((l) => l !== ""));
    engine.applyBatch(batch);
    if (holdReplies) held.push(batch);
    else port.postMessage(batch, [batch.buffer as ArrayBuffer]);
  });
  return {
    engine,
    batches,
    hold: () => (holdReplies = true),
    release: () => {
      holdReplies = false;
      for (const b of held.splice(0)) port.postMessage(b, [b.buffer as ArrayBuffer]);
    },
  };
}

const servers: ConnectionServer[] = [];
const ports: MessagePort[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.cutOff();
  for (const p of ports.splice(0)) p.close();
});

async function serve(dispatcher: CommandDispatcher, overrides = {}): Promise<{ server: ConnectionServer; port: number }> {
  const { logger } = capturingLogger();
  const server = new ConnectionServer(testConfig(overrides), dispatcher, new CommandStats(), logger, new Int32Array(1), null);
  servers.push(server);
  return { server, port: (await server.listen({ plain: 0, tls: null }, false)).plain! };
}

/** Writes `lines` and resolves once the server side has read every byte of them. */
async function writeAndWaitUntilRead(server: ConnectionServer, client: LineSocket, lines: string): Promise<void> {
  while (server.connections.size === 0) await new Promise<void>((resolve) => setImmediate(resolve));
  const conn = [...server.connections][0]!;
  const allRead = new Promise<void>((resolve) => {
    const onData = () => {
      if (conn.socket.bytesRead < lines.length) return;
      conn.socket.off("data", onData);
      resolve();
    };
    conn.socket.on("data", onData);
  });
  client.write(lines);
  await allRead;
}

function forwardingPair() {
  const channel = new MessageChannel();
  ports.push(channel.port1, channel.port2);
  return { owner: stateOwnerOn(channel.port1), dispatcher: new ForwardingDispatcher(channel.port2, null, new CommandStats()) };
}

describe("worker data path (in-process)", () => {
  it("lines parsed in one turn, from every connection, travel as one batch; replies find their connections in order", async () => {
    const { owner, dispatcher } = forwardingPair();
    const { port } = await serve(dispatcher);
    const a = await LineSocket.connect(port);
    const b = await LineSocket.connect(port);
    // One write per client, both read in the same turn most of the time;
    // what matters is that each batch carries many lines, not one.
    a.write("INDEX|x|\nQUERY|x|\nINDEX|y|x\nQUERY|y|\nREMOVE|x|\n");
    b.write("QUERY|nope|\nbad line\nINDEX|z|nope\nQUERY|z|\n");
    expect(await a.waitForReplies(5)).toEqual(["OK", "OK", "OK", "OK", "FAIL"]);
    expect(await b.waitForReplies(4)).toEqual(["FAIL", "ERROR", "FAIL", "FAIL"]);
    // The malformed line never crossed: it was answered in place, in order.
    const crossed = owner.batches.flat();
    expect(crossed).not.toContain("bad line");
    expect(crossed).toHaveLength(8);
    expect(owner.batches.length).toBeLessThan(8);
  });

  it("an ERROR answered locally waits behind an earlier command still at the state owner", async () => {
    const { owner, dispatcher } = forwardingPair();
    const { port } = await serve(dispatcher);
    const c = await LineSocket.connect(port);
    owner.hold();
    c.write("INDEX|p|\n");
    await new Promise<void>((resolve) => {
      const check = () => (owner.batches.length > 0 ? resolve() : setImmediate(check));
      check();
    });
    c.write("garbage\n");
    // A turn for the garbage line to be read and answered locally.
    await new Promise<void>((resolve) => setImmediate(resolve));
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(c.replies).toEqual([]);
    owner.release();
    expect(await c.waitForReplies(2)).toEqual(["OK", "ERROR"]);
  });

  for (const layout of ["forwarding", "local"] as const) {
    it(`${layout}: a client that half-closes gets every reply, then our FIN`, async () => {
      const dispatcher =
        layout === "forwarding"
          ? forwardingPair().dispatcher
          : new LocalDispatcher(new IndexEngine(new DependencyGraph(), openStore({ kind: "memory", dataDir: "", sync: "full" })));
      const { port } = await serve(dispatcher);
      const c = await LineSocket.connect(port);
      c.socket.end("INDEX|a|\nQUERY|a|\nQUERY|b|\n");
      await c.waitForEnd();
      expect(c.replies).toEqual(["OK", "OK", "FAIL"]);
    });
  }

  it("the drain deadline cuts off a client that does not read, and counts it", async () => {
    const { dispatcher } = forwardingPair();
    const { server, port } = await serve(dispatcher, { maxPendingReplies: 10_000_000, maxWriteBuffer: 1 << 30 });
    const c = await LineSocket.connect(port);
    c.socket.pause();
    // ~10 MB of replies: more than the kernel's socket buffers hold.
    const lines = "QUERY|a|\n".repeat(2_000_000);
    await writeAndWaitUntilRead(server, c, lines);
    expect(await server.drain(200)).toBe(1);
  });

  it("a drain delivers every reply to a reader that starts late, within the deadline", async () => {
    const { dispatcher } = forwardingPair();
    const { server, port } = await serve(dispatcher, { maxPendingReplies: 10_000_000, maxWriteBuffer: 1 << 30 });
    const c = await LineSocket.connect(port);
    c.socket.pause();
    const count = 1_000_000;
    const lines = "QUERY|a|\n".repeat(count);
    await writeAndWaitUntilRead(server, c, lines);
    const drained = server.drain(20_000);
    // The client starts reading only after the drain began.
    c.socket.resume();
    await c.waitForEnd();
    expect(await drained).toBe(0);
    expect(c.replies.length).toBe(count);
  });
});
