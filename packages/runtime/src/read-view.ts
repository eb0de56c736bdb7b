import type { MessagePort } from "node:worker_threads";
import { NameReader, type DependencyGraph, type NameTables } from "@pkgindex/graph";
import { REPLY_FAIL, REPLY_OK } from "@pkgindex/protocol";
import type { ChangeListener } from "./index-engine.ts";

// The read view (DESIGN.md §3): what an I/O worker needs to answer a QUERY
// without the hop. Names are the graph's own name table, in shared memory
// (NameTable({ shared: true })); the one thing added is a byte per id that
// says "indexed, as far as readers may know". It lags the graph on purpose:
// the engine sets it only once the change is committed, in apply order, and
// before the change's reply is posted. A reader therefore never sees what a
// crash could lose and always sees what was acknowledged.
//
// Arrays are never resized in place: growth makes new ones, bumps the
// generation in `control`, and sends the new set to every worker. A reader
// checks the generation before and after its lookup and, on a mismatch,
// forwards the QUERY to the state owner instead of answering.

/** The message a worker receives on its data port when the tables change. */
export interface ReadViewTables {
  kind: "view";
  generation: number;
  control: Int32Array;
  names: NameTables;
  visible: Uint8Array;
}

function sharedBytes(n: number): Uint8Array {
  return new Uint8Array(new SharedArrayBuffer(n));
}

/** The state owner's side: publishes changes and hands the tables to workers. */
export class ReadViewWriter implements ChangeListener {
  private readonly control = new Int32Array(new SharedArrayBuffer(4));
  private visible = sharedBytes(1024);
  private readonly ports = new Set<MessagePort>();
  private graph: DependencyGraph | null = null;

  /** The graph to share (built with names: { shared: true, onReplaced: () => view.replaced() }). */
  bind(graph: DependencyGraph): void {
    this.graph = graph;
    this.grow(graph.names.size);
    for (let id = 0; id < graph.names.size; id++) if (graph.isIndexedId(id)) this.visible[id] = 1;
  }

  /** A worker's data port: it gets the tables now and after every replacement. */
  addPort(port: MessagePort): void {
    this.ports.add(port);
    port.on("close", () => this.ports.delete(port));
    port.postMessage(this.tables());
  }

  published(id: number, indexed: boolean): void {
    if (id >= this.visible.length) {
      this.grow(id + 1);
      this.replaced();
    }
    Atomics.store(this.visible, id, indexed ? 1 : 0);
  }

  /** The name table or the flags were replaced: readers must switch before answering again. */
  replaced(): void {
    Atomics.add(this.control, 0, 1);
    if (this.graph === null) return; // loading: no reader yet
    const tables = this.tables();
    for (const port of this.ports) port.postMessage(tables);
  }

  private grow(atLeast: number): void {
    if (atLeast <= this.visible.length) return;
    let size = this.visible.length * 2;
    while (size < atLeast) size *= 2;
    const next = sharedBytes(size);
    next.set(this.visible);
    this.visible = next;
  }

  private tables(): ReadViewTables {
    return {
      kind: "view",
      generation: Atomics.load(this.control, 0),
      control: this.control,
      names: this.graph!.names.tables,
      visible: this.visible,
    };
  }
}

/** An I/O worker's side: answers QUERY from the view, lock-free. */
export class ReadViewReader {
  private generation = -1;
  private control: Int32Array | null = null;
  private names: NameReader | null = null;
  private visible: Uint8Array = new Uint8Array(0);

  update(tables: ReadViewTables): void {
    this.control = tables.control;
    this.names = new NameReader(tables.names);
    this.visible = tables.visible;
    this.generation = tables.generation;
  }

  /** REPLY_OK or REPLY_FAIL for QUERY buf[start, end), or -1 when the view cannot answer now (forward it). */
  query(buf: Uint8Array, start: number, end: number): number {
    const control = this.control;
    if (control === null) return -1;
    const generation = this.generation;
    if (Atomics.load(control, 0) !== generation) return -1;
    const id = this.names!.lookup(buf, start, end);
    const visible = this.visible;
    const indexed = id >= 0 && id < visible.length && Atomics.load(visible, id) === 1;
    if (Atomics.load(control, 0) !== generation) return -1;
    return indexed ? REPLY_OK : REPLY_FAIL;
  }
}
