import { AddressRanges, listEntries } from "./address-ranges.ts";

/**
 * --writers: who may INDEX and REMOVE. Entries are `*` (everyone),
 * `cn:NAME` (a client-certificate name: its subject CN or a DNS/URI SAN)
 * or an address range. A client matching no entry may only QUERY.
 */
export class WriterRules {
  readonly everyone: boolean;
  private readonly names: ReadonlySet<string>;
  private readonly ranges: AddressRanges | null;

  /** Throws a RangeError naming the bad entry. */
  constructor(entries: readonly string[]) {
    const names = new Set<string>();
    const ranges: string[] = [];
    let everyone = false;
    for (const entry of entries) {
      if (entry === "*") everyone = true;
      else if (entry.startsWith("cn:")) {
        const name = entry.slice(3);
        if (name === "") throw new RangeError(`${JSON.stringify(entry)} names no certificate`);
        names.add(name);
      } else ranges.push(entry);
    }
    if (entries.length === 0) throw new RangeError("the list is empty (use * to let everyone write)");
    this.everyone = everyone;
    this.names = names;
    this.ranges = ranges.length > 0 ? new AddressRanges(ranges) : null;
  }

  /** Parses the flag's comma-separated value. */
  static parse(value: string): WriterRules {
    return new WriterRules(listEntries(value));
  }

  /** Whether any entry is an address range (these need --proxy-trusted behind a PROXY sender). */
  get hasAddressRules(): boolean {
    return this.ranges !== null;
  }

  /**
   * Decided once per connection: `identities` are the verified certificate
   * names of the client, `address` its source address (the PROXY header's
   * when there is one).
   */
  allows(identities: readonly string[], address: string | undefined): boolean {
    if (this.everyone) return true;
    for (const name of identities) if (this.names.has(name)) return true;
    return this.ranges !== null && this.ranges.contains(address);
  }
}
