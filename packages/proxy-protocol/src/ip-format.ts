// Text forms of binary addresses from a v2 header, the same as Node prints
// for a socket's own remoteAddress (libuv's inet_ntop): dotted quad, and
// RFC 5952 IPv6 with the longest run of two or more zero groups (first on
// a tie) as `::`, and IPv4-mapped / IPv4-compatible addresses as
// `::ffff:a.b.c.d` / `::a.b.c.d`.

export function formatIPv4(buf: Uint8Array, at: number): string {
  return `${buf[at]}.${buf[at + 1]}.${buf[at + 2]}.${buf[at + 3]}`;
}

export function formatIPv6(buf: Uint8Array, at: number): string {
  let bestStart = -1;
  let bestLen = 0;
  let runStart = -1;
  for (let g = 0; g < 8; g++) {
    if (buf[at + 2 * g] === 0 && buf[at + 2 * g + 1] === 0) {
      if (runStart < 0) runStart = g;
      const len = g - runStart + 1;
      if (len > bestLen) {
        bestLen = len;
        bestStart = runStart;
      }
    } else {
      runStart = -1;
    }
  }
  if (bestLen < 2) bestStart = -1;

  let out = "";
  let needColon = false;
  for (let g = 0; g < 8; g++) {
    if (g === bestStart) {
      out += "::";
      needColon = false;
      g += bestLen - 1;
      continue;
    }
    const word = (buf[at + 2 * g] << 8) | buf[at + 2 * g + 1];
    if (g === 6 && bestStart === 0 && (bestLen === 6 || (bestLen === 5 && word5(buf, at) === 0xffff))) {
      if (needColon) out += ":";
      return out + formatIPv4(buf, at + 12);
    }
    if (needColon) out += ":";
    out += word.toString(16);
    needColon = true;
  }
  return out;
}

function word5(buf: Uint8Array, at: number): number {
  return (buf[at + 10] << 8) | buf[at + 11];
}
