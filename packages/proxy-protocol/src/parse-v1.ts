// PROXY protocol v1 (HAProxy proxy-protocol.txt §2.1): one text line,
//   PROXY TCP4|TCP6 <src> <dst> <sport> <dport>\r\n   or   PROXY UNKNOWN ...\r\n
// at most 107 bytes with the CRLF. Single spaces, no leading zeros in
// ports, addresses in their usual text form; after UNKNOWN the receiver
// ignores everything up to the CRLF.
import { isIPv4, isIPv6 } from "node:net";
import type { Examined } from "./parsed-header.ts";
import { failure } from "./proxy-failures.ts";
import { NEED_MORE } from "./proxy-result.ts";

/** The longest v1 header the spec allows, CRLF included. */
export const V1_MAX_HEADER_BYTES = 107;

/** "PROXY " */
const V1_PREFIX = [0x50, 0x52, 0x4f, 0x58, 0x59, 0x20];
const UNKNOWN = [0x55, 0x4e, 0x4b, 0x4e, 0x4f, 0x57, 0x4e];
const TCP = [0x54, 0x43, 0x50];
const SPACE = 0x20;
const CR = 0x0d;
const LF = 0x0a;

const BAD_SIGNATURE = failure("BAD_SIGNATURE", "input starts like a v1 header but is not 'PROXY '");
const NOT_ALLOWED = failure("VERSION_NOT_ALLOWED", "v1 header but only v2 is accepted");
const TOO_LONG = failure("TOO_LONG", "no CRLF within the 107 bytes a v1 header may have");
const LF_WITHOUT_CR = failure("BAD_V1", "line ends with LF not preceded by CR");
const BAD_PROTOCOL = failure("BAD_V1", "protocol is not TCP4, TCP6 or UNKNOWN");
const FIELD_COUNT = failure("BAD_V1", "TCP4/TCP6 need exactly four single-space-separated fields");
const BAD_ADDRESS_V4 = failure("BAD_V1", "address is not a valid IPv4 address");
const BAD_ADDRESS_V6 = failure("BAD_V1", "address is not a valid IPv6 address");
const BAD_PORT = failure("BAD_V1", "port is not a decimal 0-65535 without leading zeros");

/** The first `len` bytes of `buf` start with 'P' (the caller checked). */
export function examineV1(buf: Buffer, len: number, allowed: boolean): Examined {
  const prefixLen = len < V1_PREFIX.length ? len : V1_PREFIX.length;
  for (let i = 0; i < prefixLen; i++) {
    if (buf[i] !== V1_PREFIX[i]) return BAD_SIGNATURE;
  }
  if (prefixLen < V1_PREFIX.length) return NEED_MORE;
  if (!allowed) return NOT_ALLOWED;

  const scanEnd = len < V1_MAX_HEADER_BYTES ? len : V1_MAX_HEADER_BYTES;
  let lf = -1;
  for (let i = V1_PREFIX.length; i < scanEnd; i++) {
    if (buf[i] === LF) {
      lf = i;
      break;
    }
  }
  if (lf < 0) return len >= V1_MAX_HEADER_BYTES ? TOO_LONG : NEED_MORE;
  if (buf[lf - 1] !== CR) return LF_WITHOUT_CR;
  return parseFields(buf, V1_PREFIX.length, lf - 1, lf + 1);
}

/** Fields are in [start, end); `end` is the CR. */
function parseFields(buf: Buffer, start: number, end: number, length: number): Examined {
  const protoEnd = nextSpace(buf, start, end);
  const protoLen = protoEnd - start;
  if (protoLen === 7 && startsWith(buf, start, UNKNOWN)) {
    return { status: "header", length, info: { version: 1, local: false, family: "unknown" } };
  }
  if (protoLen !== 4 || !startsWith(buf, start, TCP)) {
    return BAD_PROTOCOL;
  }
  const v = buf[start + 3];
  if (v !== 0x34 && v !== 0x36) return BAD_PROTOCOL;
  const tcp4 = v === 0x34;

  // Four fields, each non-empty, separated by exactly one space.
  if (protoEnd === end) return FIELD_COUNT;
  const s1 = protoEnd + 1;
  const e1 = nextSpace(buf, s1, end);
  const s2 = e1 + 1;
  const e2 = e1 < end ? nextSpace(buf, s2, end) : end;
  const s3 = e2 + 1;
  const e3 = e2 < end ? nextSpace(buf, s3, end) : end;
  const s4 = e3 + 1;
  const e4 = e3 < end ? nextSpace(buf, s4, end) : end;
  if (e3 >= end || e4 !== end || e1 === s1 || e2 === s2 || e3 === s3 || e4 === s4) return FIELD_COUNT;

  const src = buf.toString("latin1", s1, e1);
  const dst = buf.toString("latin1", s2, e2);
  if (tcp4) {
    if (!isIPv4(src) || !isIPv4(dst)) return BAD_ADDRESS_V4;
  } else if (!isStrictIPv6(src) || !isStrictIPv6(dst)) {
    return BAD_ADDRESS_V6;
  }
  const sport = parsePort(buf, s3, e3);
  const dport = parsePort(buf, s4, e4);
  if (sport < 0 || dport < 0) return BAD_PORT;
  return {
    status: "header",
    length,
    info: {
      version: 1,
      local: false,
      family: tcp4 ? "tcp4" : "tcp6",
      sourceAddress: src,
      sourcePort: sport,
      destAddress: dst,
      destPort: dport,
    },
  };
}

function startsWith(buf: Buffer, at: number, bytes: readonly number[]): boolean {
  for (let i = 0; i < bytes.length; i++) if (buf[at + i] !== bytes[i]) return false;
  return true;
}

function nextSpace(buf: Buffer, from: number, end: number): number {
  for (let i = from; i < end; i++) if (buf[i] === SPACE) return i;
  return end;
}

/** Node's isIPv6 also takes a zone id (`fe80::1%eth0`), which is no address a peer can have. */
function isStrictIPv6(s: string): boolean {
  return isIPv6(s) && !s.includes("%");
}

/** Decimal 0-65535, no leading zeros; -1 when not. */
function parsePort(buf: Buffer, start: number, end: number): number {
  const n = end - start;
  if (n < 1 || n > 5 || (n > 1 && buf[start] === 0x30)) return -1;
  let value = 0;
  for (let i = start; i < end; i++) {
    const d = buf[i] - 0x30;
    if (d < 0 || d > 9) return -1;
    value = value * 10 + d;
  }
  return value <= 65535 ? value : -1;
}
