import type tls from "node:tls";
import { PkgIndexError } from "@pkgindex/errors";
import { readPemFile, tlsFileError } from "./read-pem.ts";

/** The yargs definitions of the client TLS flags, shared by the harness, the bench and `pkgindex client`. */
export const CLIENT_TLS_OPTIONS = {
  tls: { type: "boolean", default: false, describe: "Connect over TLS (to the server's --tls-port)" },
  ca: { type: "string", describe: "With --tls: PEM file of the CA that signed the server's certificate (default: the system's roots)" },
  cert: { type: "string", describe: "With --tls: PEM client certificate to present (needs --key)" },
  key: { type: "string", describe: "With --tls: PEM private key of --cert" },
  servername: { type: "string", describe: "With --tls: the name to ask for (SNI) and check the certificate against (default: the host)" },
} as const;

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

/**
 * What a client CLI parsed from CLIENT_TLS_OPTIONS: undefined without
 * --tls; a PKGI_BAD_OPTION when a TLS file flag comes without --tls, a
 * PKGI_TLS_FILE when a file cannot be read.
 */
export function clientTlsFromFlags(flags: ClientTlsFlags & { tls?: boolean }): tls.ConnectionOptions | undefined {
  if (flags.tls !== true) {
    for (const option of ["ca", "cert", "key", "servername"] as const) {
      if (flags[option] !== undefined) throw new PkgIndexError("PKGI_BAD_OPTION", { option, reason: "it needs --tls" });
    }
    return undefined;
  }
  return clientTlsOptions(flags);
}
