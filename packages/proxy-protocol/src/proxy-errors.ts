// The catalogue of ways a connection can fail to present a PROXY header.
// Codes are stable: they appear in metrics labels and logs, so never
// renumber or rename one. The parser returns the first five; TIMEOUT and
// INCOMPLETE are for the connection code that drives the parser (it owns
// the clock and the socket), so every PROXY failure shares one catalogue.
export const PROXY_ERRORS = {
  BAD_SIGNATURE: {
    code: 1,
    id: "PKGI_PROXY_BAD_SIGNATURE",
    message: "connection did not start with a PROXY protocol v1 or v2 signature",
  },
  BAD_V1: { code: 2, id: "PKGI_PROXY_BAD_V1", message: "malformed PROXY protocol v1 header" },
  BAD_V2: { code: 3, id: "PKGI_PROXY_BAD_V2", message: "malformed PROXY protocol v2 header" },
  TOO_LONG: { code: 4, id: "PKGI_PROXY_TOO_LONG", message: "PROXY header longer than the limit" },
  VERSION_NOT_ALLOWED: {
    code: 5,
    id: "PKGI_PROXY_VERSION_NOT_ALLOWED",
    message: "PROXY protocol version not allowed by --proxy-protocol",
  },
  TIMEOUT: { code: 6, id: "PKGI_PROXY_TIMEOUT", message: "no complete PROXY header within the header timeout" },
  INCOMPLETE: { code: 7, id: "PKGI_PROXY_INCOMPLETE", message: "connection closed before a complete PROXY header" },
} as const;

export type ProxyErrorName = keyof typeof PROXY_ERRORS;
export type ProxyErrorCode = (typeof PROXY_ERRORS)[ProxyErrorName]["id"];

/** Indexed by numeric code; index 0 means "no error". */
export const PROXY_ERROR_BY_CODE: readonly ((typeof PROXY_ERRORS)[ProxyErrorName] | undefined)[] = (() => {
  const byCode: ((typeof PROXY_ERRORS)[ProxyErrorName] | undefined)[] = [undefined];
  for (const e of Object.values(PROXY_ERRORS)) byCode[e.code] = e;
  return byCode;
})();

export const PROXY_ERROR_COUNT = PROXY_ERROR_BY_CODE.length;
