import { PkgIndexError } from "@pkgindex/errors";

/** A failed listen() as the one-line operational error the CLI prints. */
export function listenError(err: NodeJS.ErrnoException, host: string, port: number): PkgIndexError {
  const address = `${host}:${port}`;
  if (err.code === "EADDRINUSE") return new PkgIndexError("PKGI_PORT_IN_USE", { address }, { cause: err });
  return new PkgIndexError("PKGI_LISTEN_FAILED", { address, reason: err.code ?? err.message }, { cause: err });
}
