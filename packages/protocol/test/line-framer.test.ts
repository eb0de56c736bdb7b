import * as fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  encodeReplies,
  FRAME_LINE_TOO_LONG,
  FRAME_OK,
  LineFramer,
  REPLY_ERROR,
  REPLY_FAIL,
  REPLY_OK,
  REPLY_TEXT,
} from "../src/index.ts";

const LIMIT = 64 * 1024;

interface Fed {
  lines: string[];
  /** Result of every push, in order; feeding stops after the first FRAME_LINE_TOO_LONG. */
  results: number[];
  framer: LineFramer;
}

/** Feeds `chunks` to a fresh framer and collects each line as a latin1 string. */
function feed(chunks: (Buffer | string)[], limit = LIMIT): Fed {
  const framer = new LineFramer(limit);
  const lines: string[] = [];
  const results: number[] = [];
  for (const chunk of chunks) {
    const r = framer.push(typeof chunk === "string" ? Buffer.from(chunk, "latin1") : chunk, (buf, start, end) => {
      lines.push(buf.toString("latin1", start, end));
    });
    results.push(r);
    if (r !== FRAME_OK) break;
  }
  return { lines, results, framer };
}

function noLine(): void {
  throw new Error("no line expected");
}

const line = (n: number): string => "x".repeat(n);

/** Splits `s` at the given offsets (sorted, deduplicated, clamped). */
function splitAt(s: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => Math.min(Math.max(c, 0), s.length)))].toSorted((a, b) => a - b);
  const parts: Buffer[] = [];
  let prev = 0;
  for (const p of points) {
    parts.push(s.subarray(prev, p));
    prev = p;
  }
  parts.push(s.subarray(prev));
  return parts;
}

describe("LineFramer: lines and CRLF", () => {
  it("delivers each line without its \\n", () => {
    const { lines, results, framer } = feed(["INDEX|a|\nQUERY|a|\n"]);
    expect(lines).toEqual(["INDEX|a|", "QUERY|a|"]);
    expect(results).toEqual([FRAME_OK]);
    expect(framer.pendingBytes).toBe(0);
  });

  it("delivers empty lines", () => {
    expect(feed(["\n\n", "\n"]).lines).toEqual(["", "", ""]);
  });

  it("drops one \\r right before \\n", () => {
    expect(feed(["INDEX|a|b\r\n"]).lines).toEqual(["INDEX|a|b"]);
    expect(feed(["\r\n"]).lines).toEqual([""]);
    expect(feed(["a\r\nb\nc\r\n"]).lines).toEqual(["a", "b", "c"]);
  });

  it("drops only one \\r: a second stays part of the line", () => {
    expect(feed(["a\r\r\n"]).lines).toEqual(["a\r"]);
    expect(feed(["\r\r\n"]).lines).toEqual(["\r"]);
  });

  it("keeps a lone \\r anywhere else", () => {
    expect(feed(["a\rb\n"]).lines).toEqual(["a\rb"]);
    expect(feed(["\ra\n"]).lines).toEqual(["\ra"]);
    expect(feed(["a\r", "b\n"]).lines).toEqual(["a\rb"]);
    expect(feed(["a\r", "\rb\n"]).lines).toEqual(["a\r\rb"]);
  });

  it("drops a \\r that ends one chunk when the next starts with \\n", () => {
    expect(feed(["INDEX|a|b\r", "\nQUERY|a|\r", "\n"]).lines).toEqual(["INDEX|a|b", "QUERY|a|"]);
    expect(feed(["\r", "\n"]).lines).toEqual([""]);
    expect(feed(["a", "\r", "", "\n"]).lines).toEqual(["a"]);
  });

  it("joins a line split across chunks and carries the rest", () => {
    const { lines, framer } = feed(["IND", "EX|a|b,", "c\nQUE", "RY|a|"]);
    expect(lines).toEqual(["INDEX|a|b,c"]);
    expect(framer.pendingBytes).toBe("QUERY|a|".length);
  });

  it("completes a carried line when a later chunk brings its \\n", () => {
    const { lines, framer } = feed(["QUERY", "|a|", "", "\nREMOVE|a|\n"]);
    expect(lines).toEqual(["QUERY|a|", "REMOVE|a|"]);
    expect(framer.pendingBytes).toBe(0);
  });

  it("takes bytes one at a time", () => {
    const stream = "INDEX|a|\r\nINDEX|b|a\nQUERY|b|\r\n\r\nx\ry\n";
    const { lines, results, framer } = feed([...stream]);
    expect(lines).toEqual(["INDEX|a|", "INDEX|b|a", "QUERY|b|", "", "x\ry"]);
    expect(results.every((r) => r === FRAME_OK)).toBe(true);
    expect(framer.pendingBytes).toBe(0);
  });

  it("carries a long line across many chunks byte for byte while its buffer grows", () => {
    const longLine = Array.from({ length: 6000 }, (_, i) => String.fromCharCode(0x21 + (i % 90))).join("");
    for (const size of [1, 7, 255, 256, 257, 1000, 4095]) {
      const stream = Buffer.from(`QUERY|a|\n${longLine}\r\n${longLine}\n`, "latin1");
      const chunks: Buffer[] = [];
      for (let at = 0; at < stream.length; at += size) chunks.push(stream.subarray(at, at + size));
      expect(feed(chunks).lines).toEqual(["QUERY|a|", longLine, longLine]);
    }
  });

  it("reports pendingBytes for an unfinished line", () => {
    const framer = new LineFramer(LIMIT);
    expect(framer.pendingBytes).toBe(0);
    framer.push(Buffer.from("abc"), noLine);
    expect(framer.pendingBytes).toBe(3);
    framer.push(Buffer.from("de\r"), noLine);
    expect(framer.pendingBytes).toBe(6);
    let got = "";
    framer.push(Buffer.from("\n"), (buf, s, e) => (got = buf.toString("latin1", s, e)));
    expect(got).toBe("abcde");
    expect(framer.pendingBytes).toBe(0);
  });

  it("does not depend on the caller keeping earlier chunks intact", () => {
    const framer = new LineFramer(LIMIT);
    const lines: string[] = [];
    const chunk = Buffer.from("QUERY|");
    framer.push(chunk, () => {});
    chunk.fill(0x78); // the socket layer may reuse its buffer
    framer.push(Buffer.from("a|\n"), (buf, s, e) => lines.push(buf.toString("latin1", s, e)));
    expect(lines).toEqual(["QUERY|a|"]);
  });
});

describe("LineFramer: the line limit", () => {
  it("passes a line of exactly the limit, in one chunk or carried", () => {
    expect(feed([`${line(LIMIT)}\n`]).lines.map((l) => l.length)).toEqual([LIMIT]);
    expect(feed([`${line(LIMIT)}\r\n`]).lines.map((l) => l.length)).toEqual([LIMIT]);
    expect(feed([line(LIMIT), "\n"]).lines.map((l) => l.length)).toEqual([LIMIT]);
    expect(feed([line(LIMIT), "\r\n"]).lines.map((l) => l.length)).toEqual([LIMIT]);
    expect(feed([line(LIMIT), "\r", "\n"]).lines.map((l) => l.length)).toEqual([LIMIT]);
    expect(feed([line(10), line(LIMIT - 10), "\n"]).lines.map((l) => l.length)).toEqual([LIMIT]);
  });

  it("refuses a line of limit + 1 bytes, in one chunk or carried", () => {
    for (const chunks of [
      [`${line(LIMIT + 1)}\n`],
      [`${line(LIMIT + 1)}\r\n`],
      [line(LIMIT + 1), "\n"],
      [line(LIMIT), "x\n"],
      [line(LIMIT), "x\r\n"],
      [line(LIMIT), "x", "\r", "\n"],
      [line(1), line(LIMIT), "\n"],
    ]) {
      const { lines, results } = feed(chunks);
      expect(lines).toEqual([]);
      expect(results.at(-1)).toBe(FRAME_LINE_TOO_LONG);
    }
  });

  it("holds at most limit + 1 bytes of an unfinished line (room for its \\r)", () => {
    const held = feed([line(LIMIT + 1)]);
    expect(held.results).toEqual([FRAME_OK]);
    expect(held.framer.pendingBytes).toBe(LIMIT + 1);
    const over = feed([line(LIMIT + 2)]);
    expect(over.results).toEqual([FRAME_LINE_TOO_LONG]);
    expect(over.framer.pendingBytes).toBeLessThanOrEqual(LIMIT + 1);
    const overCarried = feed([line(LIMIT + 1), "x"]);
    expect(overCarried.results).toEqual([FRAME_OK, FRAME_LINE_TOO_LONG]);
    expect(overCarried.framer.pendingBytes).toBeLessThanOrEqual(LIMIT + 1);
  });

  it("refuses an 8 MiB chunk without a newline at once, holding no more than the limit", () => {
    const big = Buffer.alloc(8 * 1024 * 1024, 0x61);
    const { lines, results, framer } = feed([big]);
    expect(lines).toEqual([]);
    expect(results).toEqual([FRAME_LINE_TOO_LONG]);
    expect(framer.pendingBytes).toBeLessThanOrEqual(LIMIT + 1);
  });

  it("refuses 8 MiB without a newline fed in 64 KiB chunks, holding no more than the limit", () => {
    const framer = new LineFramer(LIMIT);
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    let pushes = 0;
    let result = FRAME_OK;
    let maxPending = 0;
    while (result === FRAME_OK && pushes < 128) {
      result = framer.push(chunk, noLine);
      pushes++;
      maxPending = Math.max(maxPending, framer.pendingBytes);
    }
    expect(result).toBe(FRAME_LINE_TOO_LONG);
    expect(pushes).toBe(2);
    expect(maxPending).toBeLessThanOrEqual(LIMIT + 1);
  });

  it("delivers the lines before an oversized one", () => {
    const before = "QUERY|a|\nQUERY|b|\r\n";
    const oneChunk = feed([`${before}${line(LIMIT + 5)}\nQUERY|c|\n`]);
    expect(oneChunk.lines).toEqual(["QUERY|a|", "QUERY|b|"]);
    expect(oneChunk.results).toEqual([FRAME_LINE_TOO_LONG]);

    const carried = feed([`${before}${line(100)}`, line(LIMIT), "\nQUERY|c|\n"]);
    expect(carried.lines).toEqual(["QUERY|a|", "QUERY|b|"]);
    expect(carried.results.at(-1)).toBe(FRAME_LINE_TOO_LONG);

    const noNewline = feed([`${before}${Buffer.alloc(8 * 1024 * 1024, 0x61).toString("latin1")}`]);
    expect(noNewline.lines).toEqual(["QUERY|a|", "QUERY|b|"]);
    expect(noNewline.results).toEqual([FRAME_LINE_TOO_LONG]);
    expect(noNewline.framer.pendingBytes).toBeLessThanOrEqual(LIMIT + 1);
  });

  it("keeps the carry buffer no larger than limit + 1 however it grows", () => {
    const framer = new LineFramer(1000);
    for (let i = 0; i < 1001; i++) expect(framer.push(Buffer.from("y"), () => {})).toBe(FRAME_OK);
    expect(framer.pendingBytes).toBe(1001);
    expect((Reflect.get(framer, "carry") as Buffer).length).toBeLessThanOrEqual(1001);
    expect(framer.push(Buffer.from("y"), () => {})).toBe(FRAME_LINE_TOO_LONG);
  });
});

// ---------------------------------------------------------------------------
// Property tests

/** What the framer should produce for a whole stream: a naive reference. */
function referenceFrame(stream: Buffer, limit: number): { lines: string[]; tooLong: boolean; pending: number } {
  const parts = stream.toString("latin1").split("\n");
  const tail = parts.pop() as string;
  const lines: string[] = [];
  for (const raw of parts) {
    const text = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (text.length > limit) return { lines, tooLong: true, pending: 0 };
    lines.push(text);
  }
  // An unfinished line may hold one byte more than the limit (its \r may come next).
  if (tail.length > limit + 1) return { lines, tooLong: true, pending: 0 };
  return { lines, tooLong: false, pending: tail.length };
}

const streamBytes = fc
  .array(
    fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom("\n", "\r\n", "\r", "|", ",", "INDEX|a|b", "QUERY|", "x") },
      { weight: 1, arbitrary: fc.string({ unit: "binary-ascii", maxLength: 20 }) },
      { weight: 1, arbitrary: fc.string({ unit: "grapheme-ascii", minLength: 250, maxLength: 600 }) },
    ),
    { maxLength: 60 },
  )
  .map((parts) => Buffer.from(parts.join(""), "latin1"));

const cutPoints = fc.array(fc.nat({ max: 3000 }), { maxLength: 20 });

describe("LineFramer properties", () => {
  it("yields the same lines however the stream is split", () => {
    fc.assert(
      fc.property(streamBytes, cutPoints, (stream, cuts) => {
        const whole = feed([stream]);
        const split = feed(splitAt(stream, cuts));
        const ref = referenceFrame(stream, LIMIT);
        expect(whole.lines).toEqual(ref.lines);
        expect(split.lines).toEqual(ref.lines);
        expect(split.framer.pendingBytes).toBe(ref.pending);
        expect(whole.framer.pendingBytes).toBe(ref.pending);
      }),
      { numRuns: 1500 },
    );
  });

  it("yields the same lines byte at a time", () => {
    fc.assert(
      fc.property(streamBytes, (stream) => {
        const bytes = [...stream].map((b) => Buffer.from([b]));
        expect(feed(bytes).lines).toEqual(feed([stream]).lines);
      }),
      { numRuns: 300 },
    );
  });

  it("with a small limit: same lines, same verdict, carry bounded, however split", () => {
    const limit = 12;
    fc.assert(
      fc.property(streamBytes, cutPoints, (stream, cuts) => {
        const ref = referenceFrame(stream, limit);
        for (const chunks of [[stream], splitAt(stream, cuts)]) {
          const framer = new LineFramer(limit);
          const lines: string[] = [];
          let tooLong = false;
          for (const chunk of chunks) {
            const r = framer.push(chunk, (buf, s, e) => lines.push(buf.toString("latin1", s, e)));
            expect(framer.pendingBytes).toBeLessThanOrEqual(limit + 1);
            if (r === FRAME_LINE_TOO_LONG) {
              tooLong = true;
              break;
            }
            expect(r).toBe(FRAME_OK);
          }
          // After FRAME_LINE_TOO_LONG the framer is done: what it holds no longer matters.
          expect({ lines, tooLong, pending: tooLong ? null : framer.pendingBytes }).toEqual({
            lines: ref.lines,
            tooLong: ref.tooLong,
            pending: ref.tooLong ? null : ref.pending,
          });
        }
      }),
      { numRuns: 1500 },
    );
  });

  it("never throws on arbitrary bytes, however split", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), cutPoints, fc.integer({ min: 1, max: 64 }), (bytes, cuts, limit) => {
        const stream = Buffer.from(bytes);
        const ref = referenceFrame(stream, limit);
        const got = feed(splitAt(stream, cuts), limit);
        expect(got.lines).toEqual(ref.lines);
        expect(got.results.at(-1) === FRAME_LINE_TOO_LONG).toBe(ref.tooLong);
      }),
      { numRuns: 1000 },
    );
  });
});

// ---------------------------------------------------------------------------
// Reply encoding

describe("encodeReplies", () => {
  it("writes the reply texts", () => {
    expect(REPLY_TEXT[REPLY_OK]).toBe("OK\n");
    expect(REPLY_TEXT[REPLY_FAIL]).toBe("FAIL\n");
    expect(REPLY_TEXT[REPLY_ERROR]).toBe("ERROR\n");
    const codes = new Uint8Array([REPLY_OK, REPLY_FAIL, REPLY_ERROR, REPLY_OK]);
    expect(encodeReplies(codes, 0, 4, 3).toString("latin1")).toBe("OK\nFAIL\nERROR\nOK\n");
    expect(encodeReplies(codes, 1, 1, 3).toString("latin1")).toBe("FAIL\n");
    expect(encodeReplies(codes, 0, 0, 3).length).toBe(0);
  });

  it("wraps around the ring", () => {
    const ring = new Uint8Array(8);
    ring[6] = REPLY_ERROR;
    ring[7] = REPLY_FAIL;
    ring[0] = REPLY_OK;
    ring[1] = REPLY_FAIL;
    expect(encodeReplies(ring, 6, 4, 7).toString("latin1")).toBe("ERROR\nFAIL\nOK\nFAIL\n");
    // A start past the ring size wraps too: slots are counters masked to the ring.
    expect(encodeReplies(ring, 14, 4, 7).toString("latin1")).toBe("ERROR\nFAIL\nOK\nFAIL\n");
  });

  it("matches the joined REPLY_TEXT for any ring, start and count", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 6 }).chain((bits) =>
          fc.tuple(
            fc.uint8Array({ minLength: 1 << bits, maxLength: 1 << bits, min: 0, max: 2 }),
            fc.nat({ max: 1000 }),
            fc.integer({ min: 0, max: 1 << bits }),
          ),
        ),
        ([ring, from, count]) => {
          const mask = ring.length - 1;
          let expected = "";
          for (let i = 0; i < count; i++) expected += REPLY_TEXT[ring[(from + i) & mask]];
          expect(encodeReplies(ring, from, count, mask).toString("latin1")).toBe(expected);
        },
      ),
      { numRuns: 1000 },
    );
  });
});
