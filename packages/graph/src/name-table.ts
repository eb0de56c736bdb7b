/** The arrays behind a NameTable: what a reader on another thread needs. */
export interface NameTables {
  arena: Uint8Array;
  offsets: Int32Array;
  hashes: Int32Array;
  slots: Int32Array;
}

function allocator(shared: boolean) {
  return {
    bytes: (n: number) => new Uint8Array(shared ? new SharedArrayBuffer(n) : new ArrayBuffer(n)),
    ints: (n: number) => new Int32Array(shared ? new SharedArrayBuffer(n * 4) : new ArrayBuffer(n * 4)),
  };
}

/**
 * Finds names in a NameTable's arrays. The state owner's NameTable is one;
 * an I/O worker holds another over the same SharedArrayBuffers, so the read
 * path shares the index's own name table instead of keeping a copy. A slot
 * is read with Atomics.load and written (by the owner) with Atomics.store
 * after the name's bytes, offset and hash: a reader that finds an id finds
 * its bytes complete. The arrays are only ever replaced, never resized in
 * place; a reader on replaced arrays sees a correct older table, and the
 * read view's generation counter tells it to re-check (read-view.ts).
 */
export class NameReader {
  protected arena: Uint8Array;
  /** Arena offset of name `id` (of its length byte). */
  protected offsets: Int32Array;
  protected hashes: Int32Array;
  /** Slots hold id + 1; 0 is empty. Size is a power of two, load at most 1/2. */
  protected slots: Int32Array;
  protected mask: number;

  constructor(tables: NameTables) {
    this.arena = tables.arena;
    this.offsets = tables.offsets;
    this.hashes = tables.hashes;
    this.slots = tables.slots;
    this.mask = tables.slots.length - 1;
  }

  /** The id of buf[start, end), or -1. */
  lookup(buf: Uint8Array, start: number, end: number): number {
    const hash = hashBytes(buf, start, end);
    const mask = this.mask;
    const slots = this.slots;
    for (let i = hash & mask; ; i = (i + 1) & mask) {
      const slot = Atomics.load(slots, i);
      if (slot === 0) return -1;
      const id = slot - 1;
      if (this.hashes[id] === hash && this.equals(id, buf, start, end)) return id;
    }
  }

  protected equals(id: number, buf: Uint8Array, start: number, end: number): boolean {
    const at = this.offsets[id];
    const arena = this.arena;
    if (arena[at] !== end - start) return false;
    for (let k = 0, p = at + 1; start + k < end; k++, p++) if (arena[p] !== buf[start + k]) return false;
    return true;
  }
}

export interface NameTableOptions {
  /** Keep the arrays in SharedArrayBuffers, for readers on other threads. */
  shared?: boolean;
  /** Called after the arrays were replaced (growth, rehash): readers must switch. */
  onReplaced?: () => void;
}

/**
 * Interns package names as bytes, straight from the request buffer: no JS
 * string (and no Map entry) per name, and no decoding on the hot path. Names
 * live back to back in one byte arena, each behind a one-byte length (names
 * are at most 255 bytes); an open-addressing table of ids finds them by an
 * FNV-1a hash of their bytes.
 */
export class NameTable extends NameReader {
  private arenaUsed = 0;
  private count = 0;
  private readonly alloc: ReturnType<typeof allocator>;
  private readonly onReplaced: (() => void) | undefined;
  // Strings from the string API (tests, start-up, tools) are encoded here.
  private scratch = Buffer.allocUnsafe(256);

  constructor(options: NameTableOptions = {}) {
    const alloc = allocator(options.shared === true);
    super({ arena: alloc.bytes(64 * 1024), offsets: alloc.ints(1024), hashes: alloc.ints(1024), slots: alloc.ints(2048) });
    this.alloc = alloc;
    this.onReplaced = options.onReplaced;
  }

  /** Names interned so far (ids are 0 .. size-1). */
  get size(): number {
    return this.count;
  }

  /** The current arrays (for a NameReader elsewhere); replaced on growth. */
  get tables(): NameTables {
    return { arena: this.arena, offsets: this.offsets, hashes: this.hashes, slots: this.slots };
  }

  /** The id of buf[start, end), interning it if new. */
  intern(buf: Uint8Array, start: number, end: number): number {
    const hash = hashBytes(buf, start, end);
    const mask = this.mask;
    let i = hash & mask;
    for (; ; i = (i + 1) & mask) {
      const slot = this.slots[i];
      if (slot === 0) break;
      const id = slot - 1;
      if (this.hashes[id] === hash && this.equals(id, buf, start, end)) return id;
    }
    const length = end - start;
    // The length byte holds 1..255; the protocol allows no longer names, and
    // restore() (a database) must not slip one past it.
    if (length < 1 || length > 255) throw new RangeError(`a package name must be 1-255 bytes, got ${length}`);
    const id = this.count++;
    let replaced = false;
    if (id >= this.offsets.length) {
      this.growIds();
      replaced = true;
    }
    if (this.arenaUsed + length + 1 > this.arena.length) {
      this.growArena(length + 1);
      replaced = true;
    }
    const at = this.arenaUsed;
    this.arena[at] = length;
    this.arena.set(buf.subarray(start, end), at + 1);
    this.arenaUsed = at + 1 + length;
    this.offsets[id] = at;
    this.hashes[id] = hash;
    // Last, and atomically: readers on other threads see a complete name.
    Atomics.store(this.slots, i, id + 1);
    if (this.count * 2 > this.slots.length) {
      this.rehash();
      replaced = true;
    }
    if (replaced) this.onReplaced?.();
    return id;
  }

  lookupString(name: string): number {
    const n = this.encode(name);
    return n < 0 ? -1 : this.lookup(this.scratch, 0, n);
  }

  internString(name: string): number {
    const n = this.encode(name);
    if (n < 0) throw new RangeError(`a package name is printable ASCII, got ${JSON.stringify(name)}`);
    return this.intern(this.scratch, 0, n);
  }

  /** The name of `id` as a string (decoded on demand: store writes, dumps). */
  nameOf(id: number): string {
    const at = this.offsets[id];
    return Buffer.from(this.arena.buffer, this.arena.byteOffset + at + 1, this.arena[at]).toString("latin1");
  }

  /** Bytes of `name` in scratch, or -1 when it is not ASCII (no such name can be interned). */
  private encode(name: string): number {
    if (name.length > this.scratch.length) this.scratch = Buffer.allocUnsafe(name.length * 2);
    // latin1 would silently fold characters above U+00FF into other names.
    for (let i = 0; i < name.length; i++) if (name.charCodeAt(i) > 0x7e) return -1;
    return this.scratch.write(name, 0, "latin1");
  }

  private growIds(): void {
    const size = this.offsets.length * 2;
    const offsets = this.alloc.ints(size);
    offsets.set(this.offsets);
    this.offsets = offsets;
    const hashes = this.alloc.ints(size);
    hashes.set(this.hashes);
    this.hashes = hashes;
  }

  private growArena(atLeast: number): void {
    let size = this.arena.length * 2;
    while (size < this.arenaUsed + atLeast) size *= 2;
    const arena = this.alloc.bytes(size);
    arena.set(this.arena.subarray(0, this.arenaUsed));
    this.arena = arena;
  }

  private rehash(): void {
    const size = this.slots.length * 2;
    const slots = this.alloc.ints(size);
    const mask = size - 1;
    for (let id = 0; id < this.count; id++) {
      let i = this.hashes[id] & mask;
      while (slots[i] !== 0) i = (i + 1) & mask;
      slots[i] = id + 1;
    }
    this.slots = slots;
    this.mask = mask;
  }
}

/** FNV-1a, 32-bit, over buf[start, end). */
function hashBytes(buf: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) {
    h ^= buf[i];
    h = Math.imul(h, 0x01000193);
  }
  // Non-negative, so `& mask` indexes the table directly.
  return h >>> 1;
}
