import type { ProxyFailure, ProxyInfo, ProxyNeedMore } from "./proxy-result.ts";

/** A complete, valid header found at the start of a buffer. */
export interface ParsedHeader {
  readonly status: "header";
  readonly length: number;
  readonly info: ProxyInfo;
}

/**
 * What a look at the first `len` bytes of a connection says. Computed from
 * those bytes alone, so the answer cannot depend on how they were split
 * into chunks.
 */
export type Examined = ProxyNeedMore | ProxyFailure | ParsedHeader;
