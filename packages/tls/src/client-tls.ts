import type tls from "node:tls";
import { readPemFile, tlsFileError } from "./read-pem.ts";

/** The TLS flags of every client (harness, bench, `pkgindex client`). */
export interface ClientTlsFlags {
  ca?: string;
  cert?: string;
  key?: string;
  servername?: string;
}

/**
 * tls.connect options from the client flags, files read once. Without
 * --ca the system's roots verify the server; --cert and --key go together.
 */
export function clientTlsOptions(flags: ClientTlsFlags): tls.ConnectionOptions {
  const options: tls.ConnectionOptions = { minVersion: "TLSv1.2" };
  if (flags.ca !== undefined) options.ca = readPemFile("ca", flags.ca);
  if ((flags.cert === undefined) !== (flags.key === undefined)) {
    const given = flags.cert ?? flags.key!;
    throw tlsFileError(flags.cert === undefined ? "key" : "cert", given, `needs --${flags.cert === undefined ? "cert" : "key"} too`);
  }
  if (flags.cert !== undefined) options.cert = readPemFile("cert", flags.cert);
  if (flags.key !== undefined) options.key = readPemFile("key", flags.key);
  if (flags.servername !== undefined) options.servername = flags.servername;
  return options;
}
