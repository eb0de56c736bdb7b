/**
 * Interns package names as bytes, straight from the request buffer: no JS
 * string (and no Map entry) per name, and no decoding on the hot path. Names
 * live back to back in one byte arena, each behind a one-byte length (names
 * are at most 255 bytes); an open-addressing table of ids finds them by an
 * FNV-1a hash of their bytes.
 */
export class NameTable {
  private arena = new Uint8Array(64 * 1024);
  private arenaUsed = 0;
  /** Arena offset of name `id` (of its length byte). */
  private offsets = new Int32Array(1024);
  private hashes = new Int32Array(1024);
  /** Slots hold id + 1; 0 is empty. Size is a power of two, load at most 1/2. */
  private slots = new Int32Array(2048);
  private mask = 2047;
  private count = 0;
  // Strings from the string API (tests, start-up, tools) are encoded here.
  private scratch = Buffer.allocUnsafe(256);

  /** Names interned so far (ids are 0 .. size-1). */
  get size(): number {
    return this.count;
  }

  /** The id of buf[start, end), or -1. */
  lookup(buf: Uint8Array, start: number, end: number): number {
    const hash = hashBytes(buf, start, end);
    const mask = this.mask;
    for (let i = hash & mask; ; i = (i + 1) & mask) {
      const slot = this.slots[i];
      if (slot === 0) return -1;
      const id = slot - 1;
      if (this.hashes[id] === hash && this.equals(id, buf, start, end)) return id;
    }
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
    if (id >= this.offsets.length) this.growIds();
    if (this.arenaUsed + length + 1 > this.arena.length) this.growArena(length + 1);
    const at = this.arenaUsed;
    this.arena[at] = length;
    this.arena.set(buf.subarray(start, end), at + 1);
    this.arenaUsed = at + 1 + length;
    this.offsets[id] = at;
    this.hashes[id] = hash;
    this.slots[i] = id + 1;
    if (this.count * 2 > this.slots.length) this.rehash();
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

  private equals(id: number, buf: Uint8Array, start: number, end: number): boolean {
    const at = this.offsets[id];
    const arena = this.arena;
    if (arena[at] !== end - start) return false;
    for (let k = 0, p = at + 1; start + k < end; k++, p++) if (arena[p] !== buf[start + k]) return false;
    return true;
  }

  private growIds(): void {
    const size = this.offsets.length * 2;
    const offsets = new Int32Array(size);
    offsets.set(this.offsets);
    this.offsets = offsets;
    const hashes = new Int32Array(size);
    hashes.set(this.hashes);
    this.hashes = hashes;
  }

  private growArena(atLeast: number): void {
    let size = this.arena.length * 2;
    while (size < this.arenaUsed + atLeast) size *= 2;
    const arena = new Uint8Array(size);
    arena.set(this.arena.subarray(0, this.arenaUsed));
    this.arena = arena;
  }

  private rehash(): void {
    const size = this.slots.length * 2;
    const slots = new Int32Array(size);
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
