// Every error the client raises, with a stable code (callers branch on
// `err.code`, so never reuse or rename one). Same shape as the server's
// catalogue in @pkgindex/errors, kept separate so this package has no
// dependencies and can be installed on its own.
export const CLIENT_ERROR_CATALOGUE = {
  PKGI_CLIENT_BAD_OPTION: "invalid client option {option}: {reason}",
  PKGI_CLIENT_INVALID_NAME: "invalid {field} {name}: {reason}",
  PKGI_CLIENT_INVALID_REQUEST: "invalid request line: {reason}",
  PKGI_CLIENT_CONNECT_FAILED: "cannot connect to {address} after {attempts} attempt(s): {reason}",
  PKGI_CLIENT_CONNECTION_CLOSED: "connection to {address} closed before the reply to {request}: {reason}",
  PKGI_CLIENT_TIMEOUT: "no reply to {request} from {address} within {timeoutMs} ms",
  PKGI_CLIENT_PROTOCOL_ERROR: "{address} answered ERROR to {request}",
  PKGI_CLIENT_BAD_REPLY: "{address} sent a reply that is not OK, FAIL or ERROR to an open request: {reply}",
  PKGI_CLIENT_CLOSED: "the client was closed before {request} was answered",
} as const;

export type ClientErrorCode = keyof typeof CLIENT_ERROR_CATALOGUE;
