import net from "node:net";

/**
 * A set of CIDR ranges (`10.0.0.0/8`, `::1/128`; a bare address is its own
 * /32 or /128), matched with Node's net.BlockList. An IPv4 client seen on a
 * dual-stack socket as `::ffff:a.b.c.d` matches the IPv4 ranges.
 */
export class AddressRanges {
  readonly entries: readonly string[];
  private readonly list = new net.BlockList();

  /** Throws a RangeError naming the entry when one is not an address range. */
  constructor(entries: readonly string[]) {
    this.entries = entries;
    for (const entry of entries) {
      const slash = entry.indexOf("/");
      const address = slash === -1 ? entry : entry.slice(0, slash);
      const family = net.isIPv4(address) ? "ipv4" : net.isIPv6(address) ? "ipv6" : null;
      if (family === null) throw new RangeError(`${JSON.stringify(entry)} is not an address or CIDR range`);
      const max = family === "ipv4" ? 32 : 128;
      const prefixText = slash === -1 ? String(max) : entry.slice(slash + 1);
      const prefix = Number(prefixText);
      if (!/^\d{1,3}$/.test(prefixText) || prefix > max) {
        throw new RangeError(`${JSON.stringify(entry)} has a prefix length that is not 0 to ${max}`);
      }
      this.list.addSubnet(address, prefix, family);
    }
  }

  /** Whether `address` (a socket's or a PROXY header's remote address) is in a range. */
  contains(address: string | undefined): boolean {
    if (address === undefined) return false;
    if (net.isIPv4(address)) return this.list.check(address, "ipv4");
    if (!net.isIPv6(address)) return false;
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
    if (mapped !== null && this.list.check(mapped[1], "ipv4")) return true;
    return this.list.check(address, "ipv6");
  }
}

/** Splits a comma-separated flag value into trimmed, non-empty entries. */
export function listEntries(value: string): string[] {
  return value
    .split(",")
    .map((e) => e.trim())
    .filter((e) => e !== "");
}
