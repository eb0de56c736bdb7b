import { describe, expect, it } from "vitest";
import {
  DEFAULT_MAX_HEADER_BYTES,
  isProxyMode,
  MAX_MAX_HEADER_BYTES,
  MIN_MAX_HEADER_BYTES,
  NEED_MORE,
  PROXY_ERROR_BY_CODE,
  PROXY_ERRORS,
  ProxyHeaderParser,
  V2_SIGNATURE,
} from "../src/index.ts";
import { essence, everySplit, feed } from "./feed.ts";
import { tlv, v1Header, v2Ipv4, withTlvs } from "./library-headers.ts";

const latin1 = (s: string) => Buffer.from(s, "latin1");

describe("input that is not a PROXY header", () => {
  const garbage: [string, Buffer][] = [
    ["an HTTP request", latin1("GET / HTTP/1.1\r\nHost: x\r\n\r\n")],
    ["a pkgindex command (a client that skipped the load balancer)", latin1("INDEX|a|\n")],
    ["an empty line", latin1("\n")],
    ["a TLS ClientHello start", Buffer.of(0x16, 0x03, 0x01, 0x02, 0x00)],
    ["a near-miss of v1", latin1("PROXZ TCP4 1.2.3.4 5.6.7.8 1 2\r\n")],
    ["v1 without its space", latin1("PROXYTCP4 1.2.3.4 5.6.7.8 1 2\r\n")],
    ["lower-case v1", latin1("proxy TCP4 1.2.3.4 5.6.7.8 1 2\r\n")],
    ["a near-miss of the v2 signature", Buffer.concat([Buffer.from(V2_SIGNATURE.slice(0, 11)), latin1("X"), Buffer.alloc(20)])],
    ["CRLF CRLF then text", latin1("\r\n\r\nhello\r\n")],
  ];
  for (const [name, bytes] of garbage) {
    it(`${name}: BAD_SIGNATURE at every split, in every mode`, () => {
      for (const mode of ["v1", "v2", "any"] as const) {
        for (const chunks of everySplit(bytes)) {
          expect(essence(feed(chunks, mode))).toMatchObject({ status: "error", code: "PKGI_PROXY_BAD_SIGNATURE" });
        }
      }
    });
  }

  it("answers at the first byte that cannot start a header", () => {
    const parser = new ProxyHeaderParser("any");
    expect(parser.push(latin1("PRO"))).toBe(NEED_MORE);
    expect(parser.push(latin1("XY"))).toBe(NEED_MORE);
    expect(parser.push(latin1("!"))).toMatchObject({ status: "error", code: "PKGI_PROXY_BAD_SIGNATURE" });
    expect(feed([latin1("G"), latin1("ET /")])).toMatchObject({ status: "error", finalAt: 0 });
  });

  it("waits on an empty chunk and on a prefix of either signature", () => {
    const parser = new ProxyHeaderParser("any");
    expect(parser.push(Buffer.alloc(0))).toBe(NEED_MORE);
    expect(parser.push(Buffer.from(V2_SIGNATURE.slice(0, 5)))).toBe(NEED_MORE);
    expect(parser.bufferedBytes).toBe(5);
  });
});

describe("oversize headers", () => {
  it("v1 with no CRLF within 107 bytes is TOO_LONG, however split", () => {
    const bytes = latin1(`PROXY TCP4 ${"1".repeat(200)}\r\n`);
    for (const chunks of everySplit(bytes)) {
      expect(essence(feed(chunks))).toMatchObject({ status: "error", code: "PKGI_PROXY_TOO_LONG" });
    }
  });

  it("v1 is TOO_LONG as soon as 107 bytes without CRLF are in, without waiting for more", () => {
    const parser = new ProxyHeaderParser("v1");
    expect(parser.push(latin1(`PROXY ${"x".repeat(100)}`))).toBe(NEED_MORE);
    expect(parser.bufferedBytes).toBe(106);
    expect(parser.push(latin1("x"))).toMatchObject({ status: "error", code: "PKGI_PROXY_TOO_LONG" });
  });

  it("a 108-byte v1 line is TOO_LONG", () => {
    const addr = "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff";
    const header = v1Header("UNKNOWN", addr, addr, 65535, 65535);
    const longer = latin1(header.toString("latin1").replace(" 65535\r\n", " 655350\r\n"));
    expect(longer.length).toBe(108);
    expect(feed([longer])).toMatchObject({ status: "error", code: "PKGI_PROXY_TOO_LONG" });
  });

  it("v2 whose length goes beyond the limit is TOO_LONG once the fixed 16 bytes are in", () => {
    const big = withTlvs(v2Ipv4([10, 0, 0, 1], 1, [10, 0, 0, 2], 2), 12, tlv(0xe0, Buffer.alloc(DEFAULT_MAX_HEADER_BYTES)));
    for (const chunks of everySplit(big)) {
      expect(essence(feed(chunks))).toMatchObject({ status: "error", code: "PKGI_PROXY_TOO_LONG" });
    }
    const parser = new ProxyHeaderParser("v2");
    expect(parser.push(big.subarray(0, 15))).toBe(NEED_MORE);
    expect(parser.push(big.subarray(15, 16))).toMatchObject({ status: "error", code: "PKGI_PROXY_TOO_LONG" });
  });

  it("a v2 header of exactly the limit is accepted; one byte more is not", () => {
    const limit = 300;
    const fill = limit - 28 - 3;
    const exact = withTlvs(v2Ipv4([10, 0, 0, 1], 1, [10, 0, 0, 2], 2), 12, tlv(0xe0, Buffer.alloc(fill)));
    expect(exact.length).toBe(limit);
    expect(feed([exact], "any", limit)).toMatchObject({ status: "done", headerBytes: limit });
    const over = withTlvs(v2Ipv4([10, 0, 0, 1], 1, [10, 0, 0, 2], 2), 12, tlv(0xe0, Buffer.alloc(fill + 1)));
    expect(feed([over], "any", limit)).toMatchObject({ status: "error", code: "PKGI_PROXY_TOO_LONG" });
  });

  it("the v2 length field's maximum (65535) is parsed with a large enough limit", () => {
    const bytes = withTlvs(v2Ipv4([10, 0, 0, 1], 1, [10, 0, 0, 2], 2), 12, tlv(0xe0, Buffer.alloc(0xffff - 12 - 3)));
    expect(bytes.length).toBe(MAX_MAX_HEADER_BYTES);
    expect(feed([bytes.subarray(0, 1000), bytes.subarray(1000)], "v2", MAX_MAX_HEADER_BYTES)).toMatchObject({
      status: "done",
      headerBytes: MAX_MAX_HEADER_BYTES,
    });
  });
});

describe("modes", () => {
  it("v1 mode refuses a v2 header once the 12-byte signature is in", () => {
    const bytes = v2Ipv4([10, 0, 0, 1], 1, [10, 0, 0, 2], 2);
    const parser = new ProxyHeaderParser("v1");
    expect(parser.push(bytes.subarray(0, 11))).toBe(NEED_MORE);
    expect(parser.push(bytes.subarray(11))).toMatchObject({ status: "error", code: "PKGI_PROXY_VERSION_NOT_ALLOWED" });
  });

  it("v2 mode refuses a v1 header once 'PROXY ' is in", () => {
    const parser = new ProxyHeaderParser("v2");
    expect(parser.push(latin1("PROXY"))).toBe(NEED_MORE);
    expect(parser.push(latin1(" TCP4"))).toMatchObject({ status: "error", code: "PKGI_PROXY_VERSION_NOT_ALLOWED" });
  });

  it("any accepts both", () => {
    expect(feed([v1Header("TCP4", "1.2.3.4", "5.6.7.8", 1, 2)], "any").status).toBe("done");
    expect(feed([v2Ipv4([1, 2, 3, 4], 1, [5, 6, 7, 8], 2)], "any").status).toBe("done");
  });

  it("the constructor refuses off, unknown modes and out-of-range limits", () => {
    expect(() => new ProxyHeaderParser("off" as "any")).toThrow(RangeError);
    expect(() => new ProxyHeaderParser("v3" as "any")).toThrow(RangeError);
    expect(() => new ProxyHeaderParser("any", MIN_MAX_HEADER_BYTES - 1)).toThrow(RangeError);
    expect(() => new ProxyHeaderParser("any", MAX_MAX_HEADER_BYTES + 1)).toThrow(RangeError);
    expect(() => new ProxyHeaderParser("any", 300.5)).toThrow(RangeError);
    expect(new ProxyHeaderParser("any").maxHeaderBytes).toBe(536);
  });

  it("isProxyMode knows the four modes", () => {
    expect(["off", "v1", "v2", "any"].every(isProxyMode)).toBe(true);
    expect(isProxyMode("V1")).toBe(false);
    expect(isProxyMode(undefined)).toBe(false);
  });
});

describe("after the answer", () => {
  it("done passes later chunks through whole and frees its buffer", () => {
    const bytes = v2Ipv4([10, 0, 0, 1], 1, [10, 0, 0, 2], 2);
    const parser = new ProxyHeaderParser("any");
    parser.push(bytes.subarray(0, 10));
    const done = parser.push(bytes.subarray(10));
    expect(done).toMatchObject({ status: "done", headerBytes: 28 });
    expect(parser.bufferedBytes).toBe(0);
    const later = latin1("QUERY|a|\n");
    const again = parser.push(later);
    expect(again).toMatchObject({ status: "done", headerBytes: 0 });
    expect(again.status === "done" && again.rest).toBe(later);
  });

  it("error repeats the same error", () => {
    const parser = new ProxyHeaderParser("any");
    const first = parser.push(latin1("GET"));
    expect(parser.push(v1Header("TCP4", "1.2.3.4", "5.6.7.8", 1, 2))).toBe(first);
  });

  it("rest is a view into the chunk, not a copy", () => {
    const bytes = Buffer.concat([v1Header("TCP4", "1.2.3.4", "5.6.7.8", 1, 2), latin1("QUERY|a|\n")]);
    const r = new ProxyHeaderParser("any").push(bytes);
    expect(r.status === "done" && r.rest.buffer).toBe(bytes.buffer);
  });
});

describe("error catalogue", () => {
  it("codes are unique, numbered from 1, and ids are PKGI_PROXY_*", () => {
    const entries = Object.values(PROXY_ERRORS);
    expect(new Set(entries.map((e) => e.id)).size).toBe(entries.length);
    expect(entries.map((e) => e.code).toSorted((a, b) => a - b)).toEqual(entries.map((_, i) => i + 1));
    for (const e of entries) {
      expect(e.id).toMatch(/^PKGI_PROXY_[A-Z0-9_]+$/);
      expect(PROXY_ERROR_BY_CODE[e.code]).toBe(e);
    }
  });

  it("a failure carries the catalogue message and a reason", () => {
    const r = new ProxyHeaderParser("any").push(latin1("x"));
    expect(r).toEqual({
      status: "error",
      code: "PKGI_PROXY_BAD_SIGNATURE",
      message: PROXY_ERRORS.BAD_SIGNATURE.message,
      reason: expect.any(String),
    });
  });
});
