import { DependencyGraph } from "@pkgindex/graph";
import { createLineShape, REPLY_OK, REPLY_PENDING, scanLine } from "@pkgindex/protocol";
import { describe, expect, it } from "vitest";
import type { Connection } from "../src/connection.ts";
import { IndexEngine } from "../src/index-engine.ts";
import { LocalDispatcher } from "../src/local-dispatcher.ts";
import { ControlledStore } from "./support/controlled-store.ts";

/** Records the codes the dispatcher resolves; stands in for a socket's Connection. */
function recordingConnection() {
  const resolved: number[] = [];
  const conn = { flushQueued: false, resolve: (code: number) => resolved.push(code), flush: () => {} };
  return { conn: conn as unknown as Connection, resolved };
}

function dispatchLine(dispatcher: LocalDispatcher, conn: Connection, line: string): number {
  const buf = Buffer.from(line);
  const shape = createLineShape();
  expect(scanLine(buf, 0, buf.length, shape)).toBe(0);
  return dispatcher.dispatch(conn, buf, 0, buf.length, shape);
}

/** Resolves after the pipeline's setImmediate has begun the next commit. */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe("LocalDispatcher with an asynchronous store", () => {
  it("a reply applied while a commit is in flight waits for the commit that covers it", async () => {
    const store = new ControlledStore();
    const dispatcher = new LocalDispatcher(new IndexEngine(new DependencyGraph(), store));
    const { conn, resolved } = recordingConnection();

    expect(dispatchLine(dispatcher, conn, "INDEX|a|")).toBe(REPLY_PENDING);
    await nextTurn();
    expect(store.pending).toBe(1); // the commit covering a is in flight

    // A later turn, while that commit runs: b is not covered by it.
    expect(dispatchLine(dispatcher, conn, "INDEX|b|")).toBe(REPLY_PENDING);
    expect(store.resolveNext()).toEqual(["put a:"]);
    await nextTurn();
    expect(resolved).toEqual([REPLY_OK]); // a's reply only: b is not durable yet

    await nextTurn();
    expect(store.pending).toBe(1);
    expect(store.resolveNext()).toEqual(["put b:"]);
    await nextTurn();
    expect(resolved).toEqual([REPLY_OK, REPLY_OK]);
  });
});
