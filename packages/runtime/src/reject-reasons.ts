import {
  REJECT_DRAIN_TIMEOUT,
  REJECT_IDLE_TIMEOUT,
  REJECT_LINE_TIMEOUT,
  REJECT_LINE_TOO_LONG,
  REJECT_MAX_CONNECTIONS,
  REJECT_PENDING_CAP,
  REJECT_PROXY_HEADER,
  REJECT_PROXY_UNTRUSTED,
  REJECT_TLS_HANDSHAKE,
  REJECT_TLS_HANDSHAKE_TIMEOUT,
} from "@pkgindex/metrics";
import type { ServerConfig } from "./server-config.ts";

/** The REJECT_* reasons this configuration can produce: a limit that is off exports no series that can never move. */
export function activeRejectReasons(config: ServerConfig): number[] {
  const reasons = [REJECT_PENDING_CAP, REJECT_LINE_TOO_LONG, REJECT_DRAIN_TIMEOUT];
  if (config.maxConnections > 0) reasons.push(REJECT_MAX_CONNECTIONS);
  if (config.idleTimeoutMs > 0) reasons.push(REJECT_IDLE_TIMEOUT);
  if (config.lineTimeoutMs > 0) reasons.push(REJECT_LINE_TIMEOUT);
  if (config.proxyProtocol !== "off") reasons.push(REJECT_PROXY_HEADER);
  if (config.proxyTrusted.length > 0) reasons.push(REJECT_PROXY_UNTRUSTED);
  if (config.tlsPort !== null) reasons.push(REJECT_TLS_HANDSHAKE, REJECT_TLS_HANDSHAKE_TIMEOUT);
  return reasons.toSorted((a, b) => a - b);
}
