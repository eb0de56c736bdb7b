// The catalogue of ways a request line can be malformed. Codes are stable:
// they appear in metrics labels and logs, so never renumber or rename one.
export const PROTOCOL_ERRORS = {
  UNKNOWN_COMMAND: { code: 1, id: "PKGI_PROTO_UNKNOWN_COMMAND", message: "unknown command" },
  FIELD_COUNT: { code: 2, id: "PKGI_PROTO_FIELD_COUNT", message: "a request has exactly three |-separated fields" },
  BAD_NAME: { code: 3, id: "PKGI_PROTO_BAD_NAME", message: "package name must be 1-255 printable ASCII bytes other than | and ," },
  BAD_DEPENDENCY: { code: 4, id: "PKGI_PROTO_BAD_DEPENDENCY", message: "dependency name must be 1-255 printable ASCII bytes other than | and ," },
  EMPTY_DEPENDENCY: { code: 5, id: "PKGI_PROTO_EMPTY_DEPENDENCY", message: "empty entry in the dependency list" },
  EMPTY_LINE: { code: 6, id: "PKGI_PROTO_EMPTY_LINE", message: "empty request line" },
  LINE_TOO_LONG: { code: 7, id: "PKGI_PROTO_LINE_TOO_LONG", message: "request line longer than the limit" },
} as const;

export type ProtocolErrorName = keyof typeof PROTOCOL_ERRORS;

/** Indexed by numeric code; index 0 means "no error". */
export const PROTOCOL_ERROR_BY_CODE: readonly (typeof PROTOCOL_ERRORS[ProtocolErrorName] | undefined)[] = (() => {
  const byCode: (typeof PROTOCOL_ERRORS[ProtocolErrorName] | undefined)[] = [undefined];
  for (const e of Object.values(PROTOCOL_ERRORS)) byCode[e.code] = e;
  return byCode;
})();

export const PROTOCOL_ERROR_COUNT = PROTOCOL_ERROR_BY_CODE.length;
