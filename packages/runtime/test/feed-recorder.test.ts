import type { ChangeBatch } from "@pkgindex/feed";
import { DependencyGraph } from "@pkgindex/graph";
import { openStore } from "@pkgindex/store";
import { describe, expect, it } from "vitest";
import { FeedRecorder } from "../src/feed-recorder.ts";
import { IndexEngine } from "../src/index-engine.ts";
import { ControlledStore } from "./support/controlled-store.ts";

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

function batch(...lines: string[]): Uint8Array {
  return new Uint8Array(Buffer.from(lines.map((l) => `${l}\n`).join(""), "latin1"));
}

describe("revisions and the feed recorder", () => {
  it("durable store: one batch per commit, after it resolves, with each change's dependencies as they were when applied", async () => {
    const store = new ControlledStore();
    const engine = new IndexEngine(new DependencyGraph(), store);
    const batches: ChangeBatch[] = [];
    engine.addChangeListener(new FeedRecorder(engine.graph, (b) => batches.push(b), false));
    // b changes twice in one commit group: the feed must carry both lists, not the last one twice.
    engine.applyBatch(batch("INDEX|a|", "INDEX|b|a", "INDEX|b|", "INDEX|c|x", "INDEX|b|", "REMOVE|a|"));
    expect(engine.revision).toBe(4);
    expect(store.revision).toBe(engine.revision);
    expect(engine.publishedRevision).toBe(0);
    // As the dispatchers do: a reply held is what starts the group commit.
    engine.hold(() => {});
    await nextTurn();
    // A commit in flight: what is applied now belongs to the next one.
    engine.applyBatch(batch("INDEX|d|b"));
    engine.hold(() => {});
    expect(batches).toEqual([]);
    store.resolveNext();
    await nextTurn();
    expect(batches.map(({ first, text }) => ({ first, text }))).toEqual([{ first: 1, text: "+a|\n+b|a\n+b|\n-a|\n" }]);
    expect(engine.publishedRevision).toBe(4);
    store.resolveNext();
    await nextTurn();
    expect(batches.map(({ first, text }) => ({ first, text }))[1]).toEqual({ first: 5, text: "+d|b\n" });
    expect(engine.publishedRevision).toBe(5);
  });

  it("memory store: every change of one turn in one batch, cut at the end of the turn", async () => {
    const engine = new IndexEngine(new DependencyGraph(), openStore({ kind: "memory", dataDir: "", sync: "full" }));
    const batches: ChangeBatch[] = [];
    engine.addChangeListener(new FeedRecorder(engine.graph, (b) => batches.push(b), true));
    engine.applyBatch(batch("INDEX|a|", "INDEX|b|a"));
    engine.applyBatch(batch("REMOVE|b|"));
    expect(engine.publishedRevision).toBe(3);
    expect(batches).toEqual([]);
    await nextTurn();
    expect(batches.map(({ first, text }) => ({ first, text }))).toEqual([{ first: 1, text: "+a|\n+b|a\n-b|\n" }]);
  });
});
