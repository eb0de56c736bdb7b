// Headers built by proxy-protocol-js, an independent implementation, so
// the tests do not check the parser against our own reading of the spec.
import proxyProtocol from "proxy-protocol-js";

const {
  Command,
  INETProtocol,
  IPv4Address,
  IPv4ProxyAddress,
  IPv6Address,
  IPv6ProxyAddress,
  Peer,
  TransportProtocol,
  UnixAddress,
  UnixProxyAddress,
  UnspecProxyAddress,
  V1ProxyProtocol,
  V2ProxyProtocol,
} = proxyProtocol;

type V1Kind = "TCP4" | "TCP6" | "UNKNOWN";

/** A v1 header; `data` (protocol bytes) follows it when given. */
export function v1Header(kind: V1Kind, src: string, dst: string, sport: number, dport: number, data?: string): Buffer {
  const text = new V1ProxyProtocol(INETProtocol[kind], new Peer(src, sport), new Peer(dst, dport), data).build();
  return Buffer.from(text, "latin1");
}

function fromLibrary(built: Uint8Array): Buffer {
  return Buffer.from(built.buffer, built.byteOffset, built.byteLength);
}

/**
 * A v2 PROXY header for TCP over IPv4. The library appends `data` after the
 * header without counting it in the length: it is protocol data.
 */
export function v2Ipv4(src: number[], sport: number, dst: number[], dport: number, data?: string): Buffer {
  const address = new IPv4ProxyAddress(IPv4Address.createFrom(src), sport, IPv4Address.createFrom(dst), dport);
  return fromLibrary(new V2ProxyProtocol(Command.PROXY, TransportProtocol.STREAM, address, bytes(data)).build());
}

export function v2Ipv6(src: number[], sport: number, dst: number[], dport: number, data?: string): Buffer {
  const address = new IPv6ProxyAddress(IPv6Address.createFrom(src), sport, IPv6Address.createFrom(dst), dport);
  return fromLibrary(new V2ProxyProtocol(Command.PROXY, TransportProtocol.STREAM, address, bytes(data)).build());
}

export function v2Unix(src: string, dst: string, data?: string): Buffer {
  const address = new UnixProxyAddress(
    UnixAddress.createFrom([...Buffer.from(src)]),
    UnixAddress.createFrom([...Buffer.from(dst)]),
  );
  return fromLibrary(new V2ProxyProtocol(Command.PROXY, TransportProtocol.STREAM, address, bytes(data)).build());
}

/** LOCAL with no address block (what HAProxy sends for its own health checks). */
export function v2LocalUnspec(data?: string): Buffer {
  return fromLibrary(
    new V2ProxyProtocol(Command.LOCAL, TransportProtocol.UNSPEC, new UnspecProxyAddress(), bytes(data)).build(),
  );
}

/** LOCAL that still carries an IPv4 block over UDP (the library's own example): all of it is to be ignored. */
export function v2LocalWithAddresses(data?: string): Buffer {
  const address = new IPv4ProxyAddress(IPv4Address.createFrom([127, 0, 0, 1]), 12345, IPv4Address.createFrom([192, 0, 2, 1]), 54321);
  return fromLibrary(new V2ProxyProtocol(Command.LOCAL, TransportProtocol.DGRAM, address, bytes(data)).build());
}

/** A v2 PROXY header over UDP: nothing a TCP server can use, so family "unknown". */
export function v2Udp4(data?: string): Buffer {
  const address = new IPv4ProxyAddress(IPv4Address.createFrom([10, 0, 0, 1]), 1, IPv4Address.createFrom([10, 0, 0, 2]), 2);
  return fromLibrary(new V2ProxyProtocol(Command.PROXY, TransportProtocol.DGRAM, address, bytes(data)).build());
}

/**
 * Inserts TLVs after the address block of a library-built v2 header and
 * adds them to its length field (the library has no TLV support: its
 * `data` is not counted in the length). `addressBytes`: 12, 36 or 216.
 */
export function withTlvs(header: Buffer, addressBytes: number, tlvs: Buffer): Buffer {
  const end = 16 + addressBytes;
  const out = Buffer.concat([header.subarray(0, end), tlvs, header.subarray(end)]);
  out.writeUInt16BE(header.readUInt16BE(14) + tlvs.length, 14);
  return out;
}

/** One TLV: type, 16-bit length, value. */
export function tlv(type: number, value: Buffer): Buffer {
  const head = Buffer.alloc(3);
  head[0] = type;
  head.writeUInt16BE(value.length, 1);
  return Buffer.concat([head, value]);
}

function bytes(data: string | undefined): Uint8Array | undefined {
  return data === undefined ? undefined : Buffer.from(data, "latin1");
}
