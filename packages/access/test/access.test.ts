import { describe, expect, it } from "vitest";
import { AddressRanges, WriterRules } from "../src/index.ts";

describe("AddressRanges", () => {
  const ranges = new AddressRanges(["10.0.0.0/8", "192.0.2.7", "::1/128", "2001:db8::/32"]);

  it("matches IPv4 and IPv6 ranges, bare addresses, and IPv4-mapped IPv6", () => {
    expect(ranges.contains("10.255.1.2")).toBe(true);
    expect(ranges.contains("11.0.0.1")).toBe(false);
    expect(ranges.contains("192.0.2.7")).toBe(true);
    expect(ranges.contains("192.0.2.8")).toBe(false);
    expect(ranges.contains("::1")).toBe(true);
    expect(ranges.contains("::2")).toBe(false);
    expect(ranges.contains("2001:db8:1::9")).toBe(true);
    expect(ranges.contains("::ffff:10.1.1.1")).toBe(true);
    expect(ranges.contains("::ffff:11.1.1.1")).toBe(false);
  });

  it("never matches what is not an address", () => {
    expect(ranges.contains(undefined)).toBe(false);
    expect(ranges.contains("/tmp/haproxy.sock")).toBe(false);
  });

  it("refuses entries that are not ranges, naming them", () => {
    expect(() => new AddressRanges(["10.0.0.0/33"])).toThrow(/"10.0.0.0\/33" has a prefix length/);
    expect(() => new AddressRanges(["10.0.0.0/x"])).toThrow(/prefix length/);
    expect(() => new AddressRanges(["example.com"])).toThrow(/"example.com" is not an address/);
    expect(() => new AddressRanges(["::1/129"])).toThrow(/0 to 128/);
  });
});

describe("WriterRules", () => {
  it("* lets everyone write", () => {
    expect(WriterRules.parse("*").allows([], "203.0.113.1")).toBe(true);
  });

  it("cn: entries match any of the client's certificate names; ranges match the address", () => {
    const rules = WriterRules.parse("cn:writer, 127.0.0.0/8");
    expect(rules.allows(["reader"], "10.0.0.1")).toBe(false);
    expect(rules.allows(["reader", "writer"], "10.0.0.1")).toBe(true);
    expect(rules.allows([], "127.0.0.1")).toBe(true);
    expect(rules.allows([], undefined)).toBe(false);
    expect(rules.hasAddressRules).toBe(true);
    expect(WriterRules.parse("cn:writer").hasAddressRules).toBe(false);
  });

  it("refuses an empty list, an empty cn: and a bad range", () => {
    expect(() => WriterRules.parse(" , ")).toThrow(/empty/);
    expect(() => WriterRules.parse("cn:")).toThrow(/names no certificate/);
    expect(() => WriterRules.parse("cn:a,300.0.0.1")).toThrow(/"300.0.0.1" is not an address/);
  });
});
