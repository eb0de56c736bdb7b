import { describe, expect, it } from "vitest";
import { V1_MAX_HEADER_BYTES } from "../src/index.ts";
import { essence, everySplit, feed } from "./feed.ts";
import { v1Header } from "./library-headers.ts";

const DATA = "INDEX|a|\nQUERY|a|\n";

const cases = [
  {
    name: "TCP4",
    header: () => v1Header("TCP4", "192.0.2.1", "198.51.100.7", 56324, 8080),
    info: {
      version: 1,
      local: false,
      family: "tcp4",
      sourceAddress: "192.0.2.1",
      sourcePort: 56324,
      destAddress: "198.51.100.7",
      destPort: 8080,
    },
  },
  {
    name: "TCP6",
    header: () => v1Header("TCP6", "2001:db8::1", "2001:db8:0:1::ff", 65535, 0),
    info: {
      version: 1,
      local: false,
      family: "tcp6",
      sourceAddress: "2001:db8::1",
      sourcePort: 65535,
      destAddress: "2001:db8:0:1::ff",
      destPort: 0,
    },
  },
  {
    name: "TCP6, IPv4-mapped",
    header: () => v1Header("TCP6", "::ffff:192.0.2.1", "::1", 1, 2),
    info: {
      version: 1,
      local: false,
      family: "tcp6",
      sourceAddress: "::ffff:192.0.2.1",
      sourcePort: 1,
      destAddress: "::1",
      destPort: 2,
    },
  },
  {
    name: "UNKNOWN with addresses (ignored)",
    header: () => v1Header("UNKNOWN", "192.0.2.1", "198.51.100.7", 1, 2),
    info: { version: 1, local: false, family: "unknown" },
  },
  {
    // HAProxy's own form; the library always writes addresses, so by hand.
    name: "UNKNOWN alone",
    header: () => Buffer.from("PROXY UNKNOWN\r\n", "latin1"),
    info: { version: 1, local: false, family: "unknown" },
  },
] as const;

describe("v1 headers built by proxy-protocol-js", () => {
  for (const { name, ...c } of cases) {
    describe(`${name}`, () => {
      it("parses in one chunk, alone", () => {
        const header = c.header();
        const out = feed([header]);
        expect(out).toEqual({ status: "done", info: c.info, headerBytes: header.length, data: "", finalAt: 0 });
      });

      it("gives the same answer, rest included, at every 2-way split and byte by byte", () => {
        const header = c.header();
        const bytes = Buffer.concat([header, Buffer.from(DATA, "latin1")]);
        const expected = { status: "done", info: c.info, headerBytes: header.length, data: DATA };
        const splits = everySplit(bytes);
        expect(splits).toHaveLength(bytes.length + 2);
        for (const chunks of splits) expect(essence(feed(chunks))).toEqual(expected);
      });

      it("is accepted in mode v1 and refused in mode v2", () => {
        const header = c.header();
        expect(feed([header], "v1").status).toBe("done");
        for (const chunks of everySplit(header)) {
          expect(essence(feed(chunks, "v2"))).toMatchObject({ status: "error", code: "PKGI_PROXY_VERSION_NOT_ALLOWED" });
        }
      });
    });
  }

  it("the library's data after the header comes back as rest when everything is one chunk", () => {
    const bytes = v1Header("TCP4", "10.0.0.1", "10.0.0.2", 1000, 8080, DATA);
    const out = feed([bytes]);
    expect(out.status).toBe("done");
    expect(out.data).toBe(DATA);
    expect(out.headerBytes).toBe(bytes.length - DATA.length);
  });

  it("accepts the longest legal header (UNKNOWN with the longest addresses: 107 bytes)", () => {
    const addr = "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff";
    const header = v1Header("UNKNOWN", addr, addr, 65535, 65535);
    expect(header.length).toBe(V1_MAX_HEADER_BYTES);
    for (const chunks of everySplit(Buffer.concat([header, Buffer.from("x")]))) {
      expect(essence(feed(chunks))).toMatchObject({ status: "done", headerBytes: 107, data: "x" });
    }
    const tcp6 = v1Header("TCP6", addr, addr, 65535, 65535);
    expect(feed([tcp6])).toMatchObject({ status: "done", headerBytes: 104, info: { sourceAddress: addr } });
  });
});

describe("malformed v1 headers", () => {
  const bad: [string, string][] = [
    ["lower-case protocol", "PROXY tcp4 1.2.3.4 5.6.7.8 1 2\r\n"],
    ["unknown protocol", "PROXY TCP5 1.2.3.4 5.6.7.8 1 2\r\n"],
    ["UNKNOWN glued to more", "PROXY UNKNOWNX\r\n"],
    ["missing port", "PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n"],
    ["extra field", "PROXY TCP4 1.2.3.4 5.6.7.8 1 2 3\r\n"],
    ["double space", "PROXY TCP4  1.2.3.4 5.6.7.8 1 2\r\n"],
    ["trailing space", "PROXY TCP4 1.2.3.4 5.6.7.8 1 2 \r\n"],
    ["no fields", "PROXY TCP4\r\n"],
    ["IPv6 address in TCP4", "PROXY TCP4 ::1 5.6.7.8 1 2\r\n"],
    ["IPv4 address in TCP6", "PROXY TCP6 1.2.3.4 ::1 1 2\r\n"],
    ["zero-padded IPv4", "PROXY TCP4 01.2.3.4 5.6.7.8 1 2\r\n"],
    ["IPv4 octet > 255", "PROXY TCP4 1.2.3.256 5.6.7.8 1 2\r\n"],
    ["IPv6 zone id", "PROXY TCP6 fe80::1%eth0 ::1 1 2\r\n"],
    ["hostname", "PROXY TCP4 localhost 5.6.7.8 1 2\r\n"],
    ["port > 65535", "PROXY TCP4 1.2.3.4 5.6.7.8 65536 2\r\n"],
    ["port with leading zero", "PROXY TCP4 1.2.3.4 5.6.7.8 080 2\r\n"],
    ["negative port", "PROXY TCP4 1.2.3.4 5.6.7.8 -1 2\r\n"],
    ["LF without CR", "PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n"],
    ["tab separator", "PROXY TCP4\t1.2.3.4 5.6.7.8 1 2\r\n"],
  ];
  for (const [name, text] of bad) {
    it(`${name} is BAD_V1 at every split`, () => {
      const bytes = Buffer.from(text + "INDEX|a|\n", "latin1");
      for (const chunks of everySplit(bytes)) {
        expect(essence(feed(chunks))).toMatchObject({ status: "error", code: "PKGI_PROXY_BAD_V1" });
      }
    });
  }
});
