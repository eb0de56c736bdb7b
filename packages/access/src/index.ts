export { AddressRanges, listEntries } from "./address-ranges.ts";
export { WriterRules } from "./writer-rules.ts";
