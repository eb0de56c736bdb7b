import { describe, expect, it } from "vitest";
import { essence, everySplit, feed } from "./feed.ts";
import {
  tlv,
  v2Ipv4,
  v2Ipv6,
  v2LocalUnspec,
  v2LocalWithAddresses,
  v2Udp4,
  v2Unix,
  withTlvs,
} from "./library-headers.ts";

const DATA = "INDEX|a|\nQUERY|a|\n";

const V6_SRC = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
const V6_DST = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0xff];
const V6_MAPPED = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 33];

/** AWS NLB-style TLVs: an authority, a custom type carrying an id, and NOOP padding. */
const TLVS = Buffer.concat([
  tlv(0x02, Buffer.from("pkgindex.example.com")),
  tlv(0xea, Buffer.from("\x01vpce-0123456789abcdef0", "latin1")),
  tlv(0x04, Buffer.alloc(5)),
]);

const TCP4_INFO = {
  version: 2,
  local: false,
  family: "tcp4",
  sourceAddress: "192.0.2.1",
  sourcePort: 56324,
  destAddress: "198.51.100.7",
  destPort: 8080,
} as const;

const TCP6_INFO = {
  version: 2,
  local: false,
  family: "tcp6",
  sourceAddress: "2001:db8::1",
  sourcePort: 65535,
  destAddress: "2001:db8:0:1::ff",
  destPort: 0,
} as const;

/**
 * Each case builds the header with protocol data appended (the library's
 * `data`) so `rest` is exercised; `headerBytes` is the header alone.
 */
const cases: { name: string; bytes: (data?: string) => Buffer; info: object; headerBytes: number }[] = [
  {
    name: "PROXY TCP over IPv4",
    bytes: (d) => v2Ipv4([192, 0, 2, 1], 56324, [198, 51, 100, 7], 8080, d),
    info: TCP4_INFO,
    headerBytes: 28,
  },
  {
    name: "PROXY TCP over IPv6",
    bytes: (d) => v2Ipv6(V6_SRC, 65535, V6_DST, 0, d),
    info: TCP6_INFO,
    headerBytes: 52,
  },
  {
    name: "PROXY TCP over IPv6, IPv4-mapped source",
    bytes: (d) => v2Ipv6(V6_MAPPED, 1, V6_DST, 2, d),
    info: { ...TCP6_INFO, sourceAddress: "::ffff:192.0.2.33", sourcePort: 1, destPort: 2 },
    headerBytes: 52,
  },
  {
    name: "PROXY TCP over IPv4 with TLVs",
    bytes: (d) => withTlvs(v2Ipv4([192, 0, 2, 1], 56324, [198, 51, 100, 7], 8080, d), 12, TLVS),
    info: TCP4_INFO,
    headerBytes: 28 + TLVS.length,
  },
  {
    name: "PROXY TCP over IPv6 with TLVs",
    bytes: (d) => withTlvs(v2Ipv6(V6_SRC, 65535, V6_DST, 0, d), 36, TLVS),
    info: TCP6_INFO,
    headerBytes: 52 + TLVS.length,
  },
  {
    name: "PROXY stream over UNIX sockets",
    bytes: (d) => v2Unix("/run/haproxy/client.sock", "/run/pkgindex.sock", d),
    info: {
      version: 2,
      local: false,
      family: "unix",
      sourceAddress: "/run/haproxy/client.sock",
      destAddress: "/run/pkgindex.sock",
    },
    headerBytes: 16 + 216,
  },
  {
    name: "PROXY over UDP (no usable addresses)",
    bytes: (d) => v2Udp4(d),
    info: { version: 2, local: false, family: "unknown" },
    headerBytes: 28,
  },
  {
    name: "LOCAL, no address block",
    bytes: (d) => v2LocalUnspec(d),
    info: { version: 2, local: true, family: "unknown" },
    headerBytes: 16,
  },
  {
    name: "LOCAL with an address block (ignored)",
    bytes: (d) => v2LocalWithAddresses(d),
    info: { version: 2, local: true, family: "unknown" },
    headerBytes: 28,
  },
];

describe("v2 headers built by proxy-protocol-js", () => {
  for (const { name, ...c } of cases) {
    describe(`${name}`, () => {
      it("parses in one chunk, alone", () => {
        const header = c.bytes();
        expect(header.length).toBe(c.headerBytes);
        expect(feed([header])).toEqual({ status: "done", info: c.info, headerBytes: c.headerBytes, data: "", finalAt: 0 });
      });

      it("gives the same answer, rest included, at every 2-way split and byte by byte", () => {
        const bytes = c.bytes(DATA);
        const expected = { status: "done", info: c.info, headerBytes: c.headerBytes, data: DATA };
        const splits = everySplit(bytes);
        expect(splits).toHaveLength(bytes.length + 2);
        for (const chunks of splits) expect(essence(feed(chunks))).toEqual(expected);
      });

      it("is accepted in mode v2 and refused in mode v1", () => {
        const bytes = c.bytes(DATA);
        expect(essence(feed([bytes], "v2"))).toMatchObject({ status: "done", data: DATA });
        for (const chunks of everySplit(bytes)) {
          expect(essence(feed(chunks, "v1"))).toMatchObject({ status: "error", code: "PKGI_PROXY_VERSION_NOT_ALLOWED" });
        }
      });
    });
  }

  it("reports the header as done on the push that completes it, not before", () => {
    const bytes = v2Ipv4([10, 0, 0, 1], 1, [10, 0, 0, 2], 2, "Q");
    // Byte by byte: the 28th byte completes the header; the 29th is data.
    const out = feed([...bytes].map((b) => Buffer.of(b)));
    expect(out).toMatchObject({ status: "done", finalAt: 27, data: "Q" });
  });

  it("needs a single buffer when a long header arrives in pieces", () => {
    const bytes = withTlvs(v2Ipv4([10, 0, 0, 1], 1, [10, 0, 0, 2], 2), 12, tlv(0xe0, Buffer.alloc(400, 7)));
    expect(bytes.length).toBe(16 + 12 + 403);
    for (const chunks of everySplit(bytes)) {
      expect(essence(feed(chunks))).toMatchObject({ status: "done", headerBytes: bytes.length, data: "" });
    }
  });
});

const base = () => v2Ipv4([192, 0, 2, 1], 56324, [198, 51, 100, 7], 8080, DATA);
const mutate = (f: (b: Buffer) => void) => () => {
  const b = Buffer.from(base());
  f(b);
  return b;
};

describe("malformed v2 headers", () => {
  const bad: [string, () => Buffer][] = [
    ["version nibble 1", mutate((b) => (b[12] = 0x11))],
    ["version nibble 3", mutate((b) => (b[12] = 0x31))],
    ["command 2", mutate((b) => (b[12] = 0x22))],
    ["address family 4", mutate((b) => (b[13] = 0x41))],
    ["transport protocol 3", mutate((b) => (b[13] = 0x13))],
    ["length shorter than the IPv4 block", mutate((b) => b.writeUInt16BE(11, 14))],
    ["length shorter than the IPv6 block", mutate((b) => (b[13] = 0x21))],
    ["length shorter than the UNIX block", mutate((b) => (b[13] = 0x31))],
    ["TLV running past the end", () => withTlvs(base(), 12, tlv(0x02, Buffer.from("abc")).subarray(0, 4))],
    ["TLV header cut short", () => withTlvs(base(), 12, Buffer.of(0x02, 0x00))],
  ];
  for (const [name, build] of bad) {
    it(`${name} is BAD_V2 at every split`, () => {
      for (const chunks of everySplit(build())) {
        expect(essence(feed(chunks))).toMatchObject({ status: "error", code: "PKGI_PROXY_BAD_V2" });
      }
    });
  }

  it("a LOCAL header's family byte is not checked (the spec says to ignore it)", () => {
    const b = v2LocalUnspec();
    b[13] = 0xff;
    expect(feed([b])).toMatchObject({ status: "done", info: { local: true, family: "unknown" } });
  });
});
