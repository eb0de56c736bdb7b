import type { MessagePort } from "node:worker_threads";
import { NameReader, type DependencyGraph, type DependencyTables, type NameTables } from "@pkgindex/graph";
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
//
// An INDEX or REMOVE whose outcome changes nothing (a re-INDEX with the
// same dependency set, an INDEX naming a dependency that is not indexed, a
// REMOVE of a package that is not indexed or that others depend on) is a
// read too, and the view
// answers it from the graph's own dependency lists (shared as well). Those
// lists change in place while the owner applies, before the commit, so the
// owner keeps a write sequence in `control` (a seqlock): odd from before it
// first touches the graph until everything it applied is published, even
// when the graph is exactly what readers may see. A reader that compares
// lists does so only between two equal, even loads of it.

/** control[i]: the tables' generation, the write sequence, 1 while the store is read-only (full). */
const GENERATION = 0;
const WRITE_SEQUENCE = 1;
const READ_ONLY = 2;
/** Past this many dependencies an unchanged re-INDEX is left to the owner (the comparison is quadratic). */
const MAX_LOCAL_DEPENDENCIES = 64;
const COMMA = 44;
/** The message a worker receives on its data port when the tables change. */
export interface ReadViewTables {
  kind: "view";
  generation: number;
  control: Int32Array;
  names: NameTables;
  visible: Uint8Array;
  deps: DependencyTables;
}

function sharedBytes(n: number): Uint8Array {
  return new Uint8Array(new SharedArrayBuffer(n));
}

/** The state owner's side: publishes changes and hands the tables to workers. */
export class ReadViewWriter implements ChangeListener {
  private readonly control = new Int32Array(new SharedArrayBuffer(12));
  private writing = false;
  private visible = sharedBytes(1024);
  private readonly ports = new Set<MessagePort>();
  private graph: DependencyGraph | null = null;

  /** The graph to share (built with shared: { shared: true, onReplaced: () => view.replaced() }). */
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

  /** The owner is about to change the graph: readers must not compare dependency lists until settled(). */
  writingBegins(): void {
    if (this.writing) return;
    this.writing = true;
    Atomics.add(this.control, WRITE_SEQUENCE, 1);
  }

  /** Everything applied is published (or undone): the graph is what readers may see again. */
  settled(): void {
    if (!this.writing) return;
    this.writing = false;
    Atomics.add(this.control, WRITE_SEQUENCE, 1);
  }

  /** While the store is full the owner answers every INDEX and REMOVE ERROR: so must readers. */
  setWritable(writable: boolean): void {
    Atomics.store(this.control, READ_ONLY, writable ? 0 : 1);
  }

  /** The name table, the flags or the dependency arrays were replaced: readers must switch before answering again. */
  replaced(): void {
    Atomics.add(this.control, GENERATION, 1);
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
      generation: Atomics.load(this.control, GENERATION),
      control: this.control,
      names: this.graph!.names.tables,
      visible: this.visible,
      deps: this.graph!.dependencyTables,
    };
  }
}

/** An I/O worker's side: answers QUERY (and mutations that change nothing) from the view, lock-free. */
export class ReadViewReader {
  private generation = -1;
  private control: Int32Array | null = null;
  private names: NameReader | null = null;
  private visible: Uint8Array = new Uint8Array(0);
  private depStart: Int32Array = new Int32Array(0);
  private depLength: Int32Array = new Int32Array(0);
  private edges: Int32Array = new Int32Array(0);
  private dependentCount: Int32Array = new Int32Array(0);
  private readonly asked = new Int32Array(MAX_LOCAL_DEPENDENCIES);

  update(tables: ReadViewTables): void {
    this.control = tables.control;
    this.names = new NameReader(tables.names);
    this.visible = tables.visible;
    this.depStart = tables.deps.depStart;
    this.depLength = tables.deps.depLength;
    this.edges = tables.deps.edges;
    this.dependentCount = tables.deps.dependentCount;
    this.generation = tables.generation;
  }

  /**
   * REPLY_OK or REPLY_FAIL for an INDEX whose outcome changes nothing (the
   * package is indexed with exactly this dependency set; a dependency is
   * not indexed), or -1: it would change the index, or the view cannot tell
   * now (forward it). buf[nameStart, nameEnd) is the name, buf[depsStart,
   * depsEnd) the comma-separated dependencies, as LineShape has them.
   */
  index(buf: Uint8Array, nameStart: number, nameEnd: number, depsStart: number, depsEnd: number): number {
    const control = this.control;
    if (control === null) return -1;
    const generation = this.generation;
    if (Atomics.load(control, GENERATION) !== generation || Atomics.load(control, READ_ONLY) === 1) return -1;
    const sequence = Atomics.load(control, WRITE_SEQUENCE);
    const names = this.names!;
    const visible = this.visible;
    const asked = this.asked;
    let count = 0;
    let at = depsStart;
    while (at < depsEnd) {
      let comma = at;
      while (comma < depsEnd && buf[comma] !== COMMA) comma++;
      const dep = names.lookup(buf, at, comma);
      // One flag read is one committed state: a dependency not indexed in
      // it makes this INDEX a FAIL there, however the owner is busy now.
      if (dep < 0 || dep >= visible.length || Atomics.load(visible, dep) !== 1) {
        return Atomics.load(control, GENERATION) === generation ? REPLY_FAIL : -1;
      }
      if (count === MAX_LOCAL_DEPENDENCIES) return -1;
      asked[count++] = dep;
      at = comma + 1;
    }
    if ((sequence & 1) === 1) return -1;
    const id = names.lookup(buf, nameStart, nameEnd);
    if (id < 0 || id >= visible.length || Atomics.load(visible, id) !== 1) return -1; // an add: the owner's
    if (!this.sameList(id, count)) return -1;
    if (Atomics.load(control, WRITE_SEQUENCE) !== sequence || Atomics.load(control, GENERATION) !== generation) return -1;
    return REPLY_OK;
  }

  /**
   * REPLY_OK for a REMOVE of a package that is not indexed (nothing to do),
   * REPLY_FAIL for one that other indexed packages depend on, or -1: it
   * would remove the package, or the view cannot tell now (forward it).
   */
  remove(buf: Uint8Array, start: number, end: number): number {
    const control = this.control;
    if (control === null) return -1;
    const generation = this.generation;
    if (Atomics.load(control, GENERATION) !== generation || Atomics.load(control, READ_ONLY) === 1) return -1;
    const sequence = Atomics.load(control, WRITE_SEQUENCE);
    const id = this.names!.lookup(buf, start, end);
    const visible = this.visible;
    if (id < 0 || id >= visible.length || Atomics.load(visible, id) !== 1) {
      return Atomics.load(control, GENERATION) === generation ? REPLY_OK : -1;
    }
    if ((sequence & 1) === 1 || id >= this.dependentCount.length) return -1;
    // A package's edge to itself (only with --allow-cycles) does not keep it.
    let dependents = this.dependentCount[id];
    const from = this.depStart[id];
    const to = from + this.depLength[id];
    for (let k = from; k < to && dependents > 0; k++) if (this.edges[k] === id) dependents--;
    if (dependents <= 0) return -1;
    if (Atomics.load(control, WRITE_SEQUENCE) !== sequence || Atomics.load(control, GENERATION) !== generation) return -1;
    return REPLY_FAIL;
  }

  /** Whether package id's list is the set asked[0, count) (which may repeat names). */
  private sameList(id: number, count: number): boolean {
    if (id >= this.depStart.length) return false;
    const start = this.depStart[id];
    const length = this.depLength[id];
    if (length > count || start + length > this.edges.length) return false;
    const edges = this.edges;
    const asked = this.asked;
    for (let k = 0; k < length; k++) {
      const dep = edges[start + k];
      let found = false;
      for (let i = 0; i < count && !found; i++) found = asked[i] === dep;
      if (!found) return false;
    }
    // Every stored dependency was asked for; the lists are the same set if
    // every asked one is stored (repeats in the request are allowed).
    for (let i = 0; i < count; i++) {
      const dep = asked[i];
      let found = false;
      for (let k = 0; k < length && !found; k++) found = edges[start + k] === dep;
      if (!found) return false;
    }
    return true;
  }

  /** REPLY_OK or REPLY_FAIL for QUERY buf[start, end), or -1 when the view cannot answer now (forward it). */
  query(buf: Uint8Array, start: number, end: number): number {
    const control = this.control;
    if (control === null) return -1;
    const generation = this.generation;
    if (Atomics.load(control, GENERATION) !== generation) return -1;
    const id = this.names!.lookup(buf, start, end);
    const visible = this.visible;
    const indexed = id >= 0 && id < visible.length && Atomics.load(visible, id) === 1;
    if (Atomics.load(control, GENERATION) !== generation) return -1;
    return indexed ? REPLY_OK : REPLY_FAIL;
  }
}
