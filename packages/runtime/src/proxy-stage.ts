import type { Socket } from "node:net";
import { REJECT_PROXY_HEADER } from "@pkgindex/metrics";
import { PROXY_ERRORS, ProxyHeaderParser, type ProxyHeaderMode, type ProxyInfo } from "@pkgindex/proxy-protocol";
import type { LimitReporter } from "./limit-reporter.ts";

/**
 * Reads the PROXY header off a raw TCP socket before anything else sees its
 * bytes (the line framer on the plain port, the TLS handshake on the TLS
 * port: behind a TCP balancer the header comes before the ClientHello).
 * On success the socket is left paused with the bytes after the header
 * put back (`unshift`) for whoever reads next; on failure it is counted,
 * warned about (rate-limited) and destroyed.
 */
export function readProxyHeader(
  socket: Socket,
  mode: ProxyHeaderMode,
  timeoutMs: number,
  reporter: LimitReporter,
  client: string,
  done: (info: ProxyInfo) => void,
): void {
  const parser = new ProxyHeaderParser(mode);
  let finished = false;
  const fail = (code: string) => {
    if (finished) return;
    finish();
    reporter.report(REJECT_PROXY_HEADER, client, `connection closed: ${code}`);
    socket.destroy();
  };
  const timer = setTimeout(() => fail(PROXY_ERRORS.TIMEOUT.id), timeoutMs);
  const onData = (chunk: Buffer) => {
    const result = parser.push(chunk);
    if (result.status === "need-more") return;
    if (result.status === "error") {
      fail(result.code);
      return;
    }
    finish();
    socket.pause();
    if (result.rest.length > 0) socket.unshift(result.rest);
    done(result.info);
  };
  const onClose = () => {
    // A load balancer's plain TCP check connects and closes without a
    // byte: that is not worth a warning. A header cut off midway is.
    if (parser.bufferedBytes > 0) fail(PROXY_ERRORS.INCOMPLETE.id);
    finish();
  };
  function finish(): void {
    finished = true;
    clearTimeout(timer);
    socket.off("data", onData);
    socket.off("close", onClose);
  }
  socket.on("data", onData);
  socket.on("close", onClose);
}
