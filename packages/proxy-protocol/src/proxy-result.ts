import type { ProxyErrorCode } from "./proxy-errors.ts";

/** What a PROXY header said about the connection. */
export interface ProxyInfo {
  version: 1 | 2;
  /**
   * v2 LOCAL command (a load balancer's own connection, e.g. a health
   * check): use the socket's real addresses. Always false for v1.
   */
  local: boolean;
  /**
   * tcp4/tcp6/unix: addresses are present (unix: paths, no ports).
   * unknown: v1 `UNKNOWN`, v2 LOCAL, or a v2 PROXY header for a family or
   * transport other than TCP over IPv4/IPv6 or a stream UNIX socket; no
   * addresses, use the socket's own.
   */
  family: "tcp4" | "tcp6" | "unix" | "unknown";
  sourceAddress?: string;
  sourcePort?: number;
  destAddress?: string;
  destPort?: number;
  /**
   * v2 PP2_TYPE_SSL (HAProxy `send-proxy-v2-ssl[-cn]`): the client spoke
   * TLS to the sender. Present only when the header carried that TLV.
   */
  ssl?: ProxySslInfo;
}

/** What the PP2_TYPE_SSL TLV says about the client's TLS session. */
export interface ProxySslInfo {
  /** PP2_CLIENT_CERT_CONN or PP2_CLIENT_CERT_SESS: the client presented a certificate. */
  clientCertificate: boolean;
  /** The verify field is 0: the sender checked that certificate and it passed. */
  verified: boolean;
  /** PP2_SUBTYPE_SSL_CN: the certificate's subject common name. */
  cn?: string;
  /** PP2_SUBTYPE_SSL_VERSION, e.g. "TLSv1.3". */
  version?: string;
}

export interface ProxyNeedMore {
  readonly status: "need-more";
}

export interface ProxyDone {
  readonly status: "done";
  readonly info: ProxyInfo;
  /**
   * The bytes of the last chunk after the header: protocol data. A view
   * into that chunk (no copy), possibly empty.
   */
  readonly rest: Buffer;
  /** Length of the header, in bytes. */
  readonly headerBytes: number;
}

export interface ProxyFailure {
  readonly status: "error";
  readonly code: ProxyErrorCode;
  /** The catalogue message for `code`. */
  readonly message: string;
  /** What exactly was wrong (fixed text, safe to log; never echoes input). */
  readonly reason: string;
}

export type ProxyParseResult = ProxyNeedMore | ProxyDone | ProxyFailure;

/** The one need-more result; shared, so waiting for bytes allocates nothing. */
export const NEED_MORE: ProxyNeedMore = Object.freeze({ status: "need-more" });
