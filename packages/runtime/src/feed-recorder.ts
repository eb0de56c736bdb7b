import { changeLine, type ChangeBatch } from "@pkgindex/feed";
import type { DependencyGraph } from "@pkgindex/graph";
import type { ChangeListener } from "./index-engine.ts";

/**
 * The change feed's end on the engine's thread: turns each published
 * change into a line of text (names decoded here, once, from the ids the
 * engine kept) and hands the lines on as one ChangeBatch per publication,
 * never one message per change. With the memory store every change is
 * published at once, so the batch is cut at the end of the event-loop turn
 * instead.
 */
export class FeedRecorder implements ChangeListener {
  readonly wantsDependencies = true;
  private readonly graph: DependencyGraph;
  private readonly sink: (batch: ChangeBatch) => void;
  private readonly perTurn: boolean;
  private text = "";
  private first = 0;
  private scheduled = false;

  /** `perTurn`: cut batches at the end of each turn (memory store) rather than at each publication (one commit). */
  constructor(graph: DependencyGraph, sink: (batch: ChangeBatch) => void, perTurn: boolean) {
    this.graph = graph;
    this.sink = sink;
    this.perTurn = perTurn;
  }

  published(id: number, indexed: boolean, revision: number, deps: Int32Array, depsStart: number, depCount: number): void {
    if (this.text === "") this.first = revision;
    const names = this.graph.names;
    let joined = "";
    for (let k = 0; k < depCount; k++) joined += k === 0 ? names.nameOf(deps[depsStart + k]) : `,${names.nameOf(deps[depsStart + k])}`;
    this.text += changeLine(indexed, names.nameOf(id), joined);
  }

  publishedUpTo(): void {
    if (!this.perTurn) {
      this.flush();
      return;
    }
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(this.flush);
  }

  /** Hands on what is recorded now (at stop: the last turn's changes must not wait for a turn that may never come). */
  readonly flush = (): void => {
    this.scheduled = false;
    if (this.text === "") return;
    const batch: ChangeBatch = { first: this.first, at: Date.now(), text: this.text };
    this.text = "";
    this.sink(batch);
  };
}
