import type { Examined } from "./parsed-header.ts";
import { examineV1, V1_MAX_HEADER_BYTES } from "./parse-v1.ts";
import { examineV2, V2_FIXED_BYTES } from "./parse-v2.ts";
import { failure } from "./proxy-failures.ts";
import type { ProxyHeaderMode } from "./proxy-mode.ts";
import { NEED_MORE, type ProxyDone, type ProxyFailure, type ProxyParseResult } from "./proxy-result.ts";

/** 16-byte fixed part + 520 bytes of addresses and TLVs (AF_UNIX's 216 leaves 304 for TLVs). */
export const DEFAULT_MAX_HEADER_BYTES = 536;
/** Smallest limit allowed: every v2 address family without TLVs fits (16 + 216). */
export const MIN_MAX_HEADER_BYTES = V2_FIXED_BYTES + 216;
/** Largest v2 header the 16-bit length field can describe. */
export const MAX_MAX_HEADER_BYTES = V2_FIXED_BYTES + 0xffff;

const BAD_SIGNATURE = failure("BAD_SIGNATURE", "first byte is neither 'P' (v1) nor CR (v2)");

/**
 * Reads the PROXY header at the start of one connection, fed in chunks as
 * they arrive; the header may be split at any byte. Every answer is a
 * function of the bytes fed so far, never of how they were split.
 *
 * Bytes are not copied when the header arrives in one chunk. When it is
 * split, the parser keeps a buffer of at most 107 bytes, grown once to the
 * exact header length for a longer v2 header (never past `maxHeaderBytes`).
 * `push` never throws on any input.
 */
export class ProxyHeaderParser {
  readonly mode: ProxyHeaderMode;
  /** Bound on a v2 header, fixed part included. A v1 header is bounded by the spec's 107 bytes. */
  readonly maxHeaderBytes: number;
  private readonly allowV1: boolean;
  private readonly allowV2: boolean;
  private pending: Buffer | null = null;
  private pendingLen = 0;
  private final: ProxyDone | ProxyFailure | null = null;

  constructor(mode: ProxyHeaderMode, maxHeaderBytes: number = DEFAULT_MAX_HEADER_BYTES) {
    if (mode !== "v1" && mode !== "v2" && mode !== "any") {
      throw new RangeError(`ProxyHeaderParser mode must be v1, v2 or any (got ${String(mode)})`);
    }
    if (!Number.isInteger(maxHeaderBytes) || maxHeaderBytes < MIN_MAX_HEADER_BYTES || maxHeaderBytes > MAX_MAX_HEADER_BYTES) {
      throw new RangeError(
        `maxHeaderBytes must be an integer from ${MIN_MAX_HEADER_BYTES} to ${MAX_MAX_HEADER_BYTES} (got ${maxHeaderBytes})`,
      );
    }
    this.mode = mode;
    this.maxHeaderBytes = maxHeaderBytes;
    this.allowV1 = mode !== "v2";
    this.allowV2 = mode !== "v1";
  }

  /** Bytes held from earlier chunks while waiting for the rest of the header. */
  get bufferedBytes(): number {
    return this.pendingLen;
  }

  /**
   * Feeds the next chunk. `need-more`: keep reading. `done`: the header is
   * complete; `rest` (a view into `chunk`) is protocol data. `error`: close
   * the connection. Once done, further pushes return `done` with the same
   * info and the whole chunk as `rest`; once failed, the same error.
   */
  push(chunk: Buffer): ProxyParseResult {
    const final = this.final;
    if (final !== null) {
      if (final.status === "error") return final;
      return { status: "done", info: final.info, rest: chunk, headerBytes: 0 };
    }
    if (this.pendingLen === 0) return this.pushFresh(chunk);
    return this.pushPending(chunk);
  }

  /** Nothing held: look at the chunk in place. */
  private pushFresh(chunk: Buffer): ProxyParseResult {
    const r = this.examine(chunk, chunk.length);
    if (r.status === "header") return this.finish(r.info, chunk.subarray(r.length), r.length);
    if (r.status === "error") return this.fail(r);
    // Incomplete, so shorter than the bound in force (107, or the v2 total).
    if (chunk.length > 0) this.append(chunk, 0, chunk.length);
    return NEED_MORE;
  }

  /** Some bytes held: take from the chunk only what the header can still need. */
  private pushPending(chunk: Buffer): ProxyParseResult {
    let offset = 0;
    for (;;) {
      const take = Math.max(0, Math.min(chunk.length - offset, this.bound() - this.pendingLen));
      if (take > 0) this.append(chunk, offset, offset + take);
      offset += take;
      const held = this.pending as Buffer;
      const r = this.examine(held, this.pendingLen);
      if (r.status === "header") {
        // The header ends inside the bytes just taken: the ones after it
        // belong to the protocol, and so does the rest of the chunk.
        const rest = chunk.subarray(offset - (this.pendingLen - r.length));
        return this.finish(r.info, rest, r.length);
      }
      if (r.status === "error") return this.fail(r);
      if (offset === chunk.length) return NEED_MORE;
      // Still incomplete with bytes left: the bound grew (a v2 length was read).
    }
  }

  /**
   * How many bytes the header can need, judged from what is held: the v2
   * total once its fixed part is in, else 107 (which covers a v1 line and
   * a v2 fixed part).
   */
  private bound(): number {
    const held = this.pending;
    if (held !== null && this.pendingLen >= V2_FIXED_BYTES && held[0] === 0x0d) {
      const total = V2_FIXED_BYTES + ((held[14] << 8) | held[15]);
      if (total > V1_MAX_HEADER_BYTES && total <= this.maxHeaderBytes) return total;
    }
    return V1_MAX_HEADER_BYTES;
  }

  private append(chunk: Buffer, start: number, end: number): void {
    const need = this.pendingLen + (end - start);
    let held = this.pending;
    if (held === null || held.length < need) {
      const grown = Buffer.allocUnsafe(Math.max(need, V1_MAX_HEADER_BYTES));
      if (held !== null) held.copy(grown, 0, 0, this.pendingLen);
      this.pending = held = grown;
    }
    chunk.copy(held, this.pendingLen, start, end);
    this.pendingLen = need;
  }

  private examine(buf: Buffer, len: number): Examined {
    if (len === 0) return NEED_MORE;
    const first = buf[0];
    if (first === 0x50) return examineV1(buf, len, this.allowV1);
    if (first === 0x0d) return examineV2(buf, len, this.allowV2, this.maxHeaderBytes);
    return BAD_SIGNATURE;
  }

  private finish(info: ProxyDone["info"], rest: Buffer, headerBytes: number): ProxyDone {
    const done: ProxyDone = { status: "done", info, rest, headerBytes };
    this.final = done;
    this.release();
    return done;
  }

  private fail(r: ProxyFailure): ProxyFailure {
    this.final = r;
    this.release();
    return r;
  }

  private release(): void {
    this.pending = null;
    this.pendingLen = 0;
  }
}
