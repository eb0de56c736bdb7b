// Why a connection was closed by a limit rather than by its client. The
// names are metric label values: stable, never renamed.
export const REJECT_MAX_CONNECTIONS = 0;
export const REJECT_IDLE_TIMEOUT = 1;
export const REJECT_PENDING_CAP = 2;
export const REJECT_LINE_TOO_LONG = 3;
export const REJECT_PROXY_HEADER = 4;
export const REJECT_LINE_TIMEOUT = 5;
export const REJECT_DRAIN_TIMEOUT = 6;
/** A TLS handshake failed: not TLS, a cut-off ClientHello, no or an unverified client certificate under `require`. */
export const REJECT_TLS_HANDSHAKE = 7;
export const REJECT_TLS_HANDSHAKE_TIMEOUT = 8;
/** A peer outside --proxy-trusted on a listener that expects PROXY headers. */
export const REJECT_PROXY_UNTRUSTED = 9;

/** Label value of each reason, indexed by its constant. */
export const REJECT_REASONS: readonly string[] = [
  "max_connections",
  "idle_timeout",
  "pending_cap",
  "line_too_long",
  "proxy_header",
  "line_timeout",
  "drain_timeout",
  "tls_handshake",
  "tls_handshake_timeout",
  "proxy_untrusted",
];

export type RejectReason =
  | typeof REJECT_MAX_CONNECTIONS
  | typeof REJECT_IDLE_TIMEOUT
  | typeof REJECT_PENDING_CAP
  | typeof REJECT_LINE_TOO_LONG
  | typeof REJECT_PROXY_HEADER
  | typeof REJECT_LINE_TIMEOUT
  | typeof REJECT_DRAIN_TIMEOUT
  | typeof REJECT_TLS_HANDSHAKE
  | typeof REJECT_TLS_HANDSHAKE_TIMEOUT
  | typeof REJECT_PROXY_UNTRUSTED;
