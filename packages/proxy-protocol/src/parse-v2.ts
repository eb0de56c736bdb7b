// PROXY protocol v2 (HAProxy proxy-protocol.txt §2.2): a 16-byte fixed
// part — 12-byte signature, version/command, family/transport, big-endian
// length of what follows — then addresses (AF_INET 12 bytes, AF_INET6 36,
// AF_UNIX 216) and TLVs, which are checked for shape; PP2_TYPE_SSL (§2.2.5)
// is read, every other type skipped.
import type { Examined } from "./parsed-header.ts";
import { formatIPv4, formatIPv6 } from "./ip-format.ts";
import { failure } from "./proxy-failures.ts";
import { NEED_MORE, type ProxyInfo, type ProxySslInfo } from "./proxy-result.ts";

/** `\r\n\r\n\0\r\nQUIT\n` */
export const V2_SIGNATURE: readonly number[] = [0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a];
/** Signature, version/command, family/transport, length. */
export const V2_FIXED_BYTES = 16;

const UNIX_PATH_BYTES = 108;

const BAD_SIGNATURE = failure("BAD_SIGNATURE", "input starts like a v2 header but the signature does not match");
const NOT_ALLOWED = failure("VERSION_NOT_ALLOWED", "v2 header but only v1 is accepted");
const TOO_LONG = failure("TOO_LONG", "v2 header length is beyond the limit");
const BAD_VERSION = failure("BAD_V2", "version nibble is not 2");
const BAD_COMMAND = failure("BAD_V2", "command is neither LOCAL (0) nor PROXY (1)");
const BAD_FAMILY = failure("BAD_V2", "address family or transport protocol is not a defined value");
const SHORT_ADDRESSES = failure("BAD_V2", "length is shorter than the address block of the family");
const BAD_TLV = failure("BAD_V2", "a TLV runs past the end of the header");
const BAD_SSL_TLV = failure("BAD_V2", "a PP2_TYPE_SSL TLV is shorter than its fixed part or its sub-TLVs overrun it");

const PP2_TYPE_SSL = 0x20;
const PP2_SUBTYPE_SSL_VERSION = 0x21;
const PP2_SUBTYPE_SSL_CN = 0x22;
const PP2_CLIENT_CERT_CONN = 0x02;
const PP2_CLIENT_CERT_SESS = 0x04;
/** client (1 byte) + verify (4 bytes) before the sub-TLVs. */
const SSL_FIXED_BYTES = 5;

/** The first `len` bytes of `buf` start with CR (the caller checked). */
export function examineV2(buf: Buffer, len: number, allowed: boolean, maxHeaderBytes: number): Examined {
  const sigLen = len < V2_SIGNATURE.length ? len : V2_SIGNATURE.length;
  for (let i = 0; i < sigLen; i++) {
    if (buf[i] !== V2_SIGNATURE[i]) return BAD_SIGNATURE;
  }
  if (sigLen < V2_SIGNATURE.length) return NEED_MORE;
  if (!allowed) return NOT_ALLOWED;
  if (len < V2_FIXED_BYTES) return NEED_MORE;

  const verCmd = buf[12];
  if (verCmd >> 4 !== 2) return BAD_VERSION;
  const command = verCmd & 0x0f;
  if (command > 1) return BAD_COMMAND;
  const total = V2_FIXED_BYTES + ((buf[14] << 8) | buf[15]);
  if (total > maxHeaderBytes) return TOO_LONG;

  if (command === 0) {
    // LOCAL: the block, family byte included, is to be ignored.
    if (len < total) return NEED_MORE;
    return { status: "header", length: total, info: { version: 2, local: true, family: "unknown" } };
  }

  const fam = buf[13];
  if (fam >> 4 > 3 || (fam & 0x0f) > 2) return BAD_FAMILY;
  const addrBytes = fam === 0x11 ? 12 : fam === 0x21 ? 36 : fam === 0x31 ? 2 * UNIX_PATH_BYTES : 0;
  if (total - V2_FIXED_BYTES < addrBytes) return SHORT_ADDRESSES;
  if (len < total) return NEED_MORE;
  if (addrBytes === 0) {
    // UNSPEC, or a datagram transport: nothing a TCP server can use.
    return { status: "header", length: total, info: { version: 2, local: false, family: "unknown" } };
  }

  let ssl: ProxySslInfo | undefined;
  for (let p = V2_FIXED_BYTES + addrBytes; p < total; ) {
    if (p + 3 > total) return BAD_TLV;
    const end = p + 3 + ((buf[p + 1] << 8) | buf[p + 2]);
    if (end > total) return BAD_TLV;
    if (buf[p] === PP2_TYPE_SSL) {
      const parsed = sslInfo(buf, p + 3, end);
      if (parsed === null) return BAD_SSL_TLV;
      ssl = parsed;
    }
    p = end;
  }
  const info = addresses(buf, fam);
  if (ssl !== undefined) info.ssl = ssl;
  return { status: "header", length: total, info };
}

/** The value of a PP2_TYPE_SSL TLV, buf[start, end); null when malformed. */
function sslInfo(buf: Buffer, start: number, end: number): ProxySslInfo | null {
  if (end - start < SSL_FIXED_BYTES) return null;
  const client = buf[start];
  const info: ProxySslInfo = {
    clientCertificate: (client & (PP2_CLIENT_CERT_CONN | PP2_CLIENT_CERT_SESS)) !== 0,
    verified: buf.readUInt32BE(start + 1) === 0,
  };
  for (let p = start + SSL_FIXED_BYTES; p < end; ) {
    if (p + 3 > end) return null;
    const subEnd = p + 3 + ((buf[p + 1] << 8) | buf[p + 2]);
    if (subEnd > end) return null;
    if (buf[p] === PP2_SUBTYPE_SSL_CN) info.cn = buf.toString("utf8", p + 3, subEnd);
    else if (buf[p] === PP2_SUBTYPE_SSL_VERSION) info.version = buf.toString("latin1", p + 3, subEnd);
    p = subEnd;
  }
  return info;
}

function addresses(buf: Buffer, fam: number): ProxyInfo {
  const a = V2_FIXED_BYTES;
  if (fam === 0x11) {
    return {
      version: 2,
      local: false,
      family: "tcp4",
      sourceAddress: formatIPv4(buf, a),
      sourcePort: (buf[a + 8] << 8) | buf[a + 9],
      destAddress: formatIPv4(buf, a + 4),
      destPort: (buf[a + 10] << 8) | buf[a + 11],
    };
  }
  if (fam === 0x21) {
    return {
      version: 2,
      local: false,
      family: "tcp6",
      sourceAddress: formatIPv6(buf, a),
      sourcePort: (buf[a + 32] << 8) | buf[a + 33],
      destAddress: formatIPv6(buf, a + 16),
      destPort: (buf[a + 34] << 8) | buf[a + 35],
    };
  }
  return {
    version: 2,
    local: false,
    family: "unix",
    sourceAddress: unixPath(buf, a),
    destAddress: unixPath(buf, a + UNIX_PATH_BYTES),
  };
}

/** A sun_path: up to the first NUL, or all 108 bytes. */
function unixPath(buf: Buffer, at: number): string {
  let end = at;
  const limit = at + UNIX_PATH_BYTES;
  while (end < limit && buf[end] !== 0) end++;
  return buf.toString("utf8", at, end);
}
