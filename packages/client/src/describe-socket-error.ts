// Words for the errno codes a client meets, so a one-line error says what
// happened ("connection refused") and still carries the code to search for.
const WORDS: Record<string, string> = {
  ECONNREFUSED: "connection refused (is the server running on that port?)",
  ECONNRESET: "connection reset by the server",
  EPIPE: "the server closed the connection while the client was writing",
  ETIMEDOUT: "the connection timed out",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
  ENOTFOUND: "host name not found",
  EAI_AGAIN: "host name lookup failed (temporary)",
  EADDRNOTAVAIL: "address not available",
};

export function describeSocketError(err: Error): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code !== undefined && WORDS[code] !== undefined) return `${WORDS[code]} [${code}]`;
  return code !== undefined ? `${err.message} [${code}]` : err.message;
}
