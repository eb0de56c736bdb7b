import { SocketAddress } from "node:net";
import { describe, expect, it } from "vitest";
import { formatIPv4, formatIPv6 } from "../src/index.ts";

const hex = (s: string) => Buffer.from(s.replaceAll(":", ""), "hex");

describe("address text", () => {
  it("IPv4 is a dotted quad read at an offset", () => {
    expect(formatIPv4(Buffer.of(9, 192, 0, 2, 255), 1)).toBe("192.0.2.255");
  });

  const v6: [string, string][] = [
    ["0000:0000:0000:0000:0000:0000:0000:0000", "::"],
    ["0000:0000:0000:0000:0000:0000:0000:0001", "::1"],
    ["0001:0000:0000:0000:0000:0000:0000:0000", "1::"],
    ["2001:0db8:0000:0000:0001:0000:0000:0001", "2001:db8::1:0:0:1"],
    ["2001:0db8:0000:0001:0000:0000:0000:0001", "2001:db8:0:1::1"],
    ["2001:0db8:0001:0001:0001:0001:0001:0001", "2001:db8:1:1:1:1:1:1"],
    ["fe80:0000:0000:0000:abcd:0000:0000:0000", "fe80::abcd:0:0:0"],
    ["0000:0000:0000:0000:0000:ffff:c000:0221", "::ffff:192.0.2.33"],
    ["0000:0000:0000:0000:0000:0000:c000:0221", "::192.0.2.33"],
    ["0000:0000:0000:0000:0000:0000:0000:0002", "::2"],
  ];
  for (const [bytes, text] of v6) {
    it(`IPv6 ${bytes} is ${text}, as Node prints it`, () => {
      expect(formatIPv6(hex(bytes), 0)).toBe(text);
      expect(new SocketAddress({ address: bytes, family: "ipv6" }).address).toBe(text);
    });
  }
});
