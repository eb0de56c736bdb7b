export { CLIENT_TLS_OPTIONS, type ClientTlsFlags, clientTlsFromFlags, clientTlsOptions } from "./client-tls.ts";
export { peerNames } from "./peer-names.ts";
export {
  type ClientAuth,
  createHandshakeServer,
  loadServerTls,
  secureContextOptions,
  type ServerTlsFiles,
  type ServerTlsMaterial,
} from "./server-tls.ts";
