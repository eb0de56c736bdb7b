import { SocketAddress } from "node:net";
import * as fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatIPv6, ProxyHeaderParser, V2_SIGNATURE } from "../src/index.ts";
import { essence, feed, splitAt } from "./feed.ts";
import { tlv, v1Header, v2Ipv4, v2Ipv6, withTlvs } from "./library-headers.ts";

const modes = fc.constantFrom("v1" as const, "v2" as const, "any" as const);
const cuts = fc.array(fc.nat({ max: 700 }), { maxLength: 12 });

/** Arbitrary bytes, and bytes that start like a header so the deeper paths get garbage too. */
const input = fc.oneof(
  fc.uint8Array({ maxLength: 700 }),
  fc.uint8Array({ maxLength: 600 }).map((b) => Buffer.concat([Buffer.from("PROXY "), b])),
  fc.uint8Array({ maxLength: 600 }).map((b) => Buffer.concat([Buffer.from("PROXY TCP4 "), b])),
  fc.uint8Array({ maxLength: 600 }).map((b) => Buffer.concat([Buffer.from(V2_SIGNATURE), b])),
  fc
    .tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), fc.uint8Array({ maxLength: 600 }))
    .map(([verCmd, fam, b]) => {
      const head = Buffer.from([...V2_SIGNATURE, verCmd, fam, 0, 0]);
      head.writeUInt16BE(Math.min(b.length, 0xffff), 14);
      return Buffer.concat([head, b]);
    }),
);

describe("properties", () => {
  it("push never throws, on any bytes split anywhere, in any mode", () => {
    fc.assert(
      fc.property(input, cuts, modes, (bytes, at, mode) => {
        const parser = new ProxyHeaderParser(mode);
        for (const chunk of splitAt(Buffer.from(bytes), at)) {
          expect(["need-more", "done", "error"]).toContain(parser.push(chunk).status);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it("the answer does not depend on how the bytes are split", () => {
    fc.assert(
      fc.property(input, cuts, modes, (bytes, at, mode) => {
        const whole = Buffer.from(bytes);
        expect(essence(feed(splitAt(whole, at), mode))).toEqual(essence(feed([whole], mode)));
      }),
      { numRuns: 2000 },
    );
  });

  it("random library-built headers with data after them parse the same whatever the split", () => {
    const octets = fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 4, maxLength: 4 });
    const hextets = fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 16, maxLength: 16 });
    const port = fc.integer({ min: 0, max: 65535 });
    const data = fc.string({ maxLength: 40 });
    const header = fc.oneof(
      fc.tuple(octets, port, octets, port, data).map(([s, sp, d, dp, x]) => ({
        bytes: v1Header("TCP4", s.join("."), d.join("."), sp, dp, x),
        source: s.join("."),
        sourcePort: sp,
        data: x,
      })),
      fc.tuple(octets, port, octets, port, data, fc.uint8Array({ maxLength: 200 })).map(([s, sp, d, dp, x, t]) => ({
        bytes: withTlvs(v2Ipv4(s, sp, d, dp, x), 12, tlv(0xe1, Buffer.from(t))),
        source: s.join("."),
        sourcePort: sp,
        data: x,
      })),
      fc.tuple(hextets, port, hextets, port, data).map(([s, sp, d, dp, x]) => ({
        bytes: v2Ipv6(s, sp, d, dp, x),
        source: formatIPv6(Buffer.from(s), 0),
        sourcePort: sp,
        data: x,
      })),
    );
    fc.assert(
      fc.property(header, cuts, (h, at) => {
        const out = feed(splitAt(h.bytes, at));
        expect(out).toMatchObject({
          status: "done",
          info: { sourceAddress: h.source, sourcePort: h.sourcePort },
          data: Buffer.from(h.data, "latin1").toString("latin1"),
        });
      }),
      { numRuns: 1000 },
    );
  });

  it("IPv6 text matches what Node prints for a socket address (libuv inet_ntop)", () => {
    const word = fc.oneof(fc.constant(0), fc.constant(0xffff), fc.integer({ min: 0, max: 0xffff }));
    fc.assert(
      fc.property(fc.array(word, { minLength: 8, maxLength: 8 }), (words) => {
        const buf = Buffer.alloc(16);
        words.forEach((w, i) => buf.writeUInt16BE(w, 2 * i));
        const full = words.map((w) => w.toString(16)).join(":");
        expect(formatIPv6(buf, 0)).toBe(new SocketAddress({ address: full, family: "ipv6" }).address);
      }),
      { numRuns: 5000 },
    );
  });
});
