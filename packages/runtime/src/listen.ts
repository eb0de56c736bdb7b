import net from "node:net";
import { PkgIndexError } from "@pkgindex/errors";

export function portInUse(host: string, port: number): PkgIndexError {
  return new PkgIndexError("PKGI_PORT_IN_USE", { address: `${host}:${port}` });
}

export function listenFailure(err: NodeJS.ErrnoException, host: string, port: number): PkgIndexError {
  if (err.code === "EADDRINUSE") return portInUse(host, port);
  return new PkgIndexError("PKGI_LISTEN_FAILED", { address: `${host}:${port}`, reason: err.code ?? err.message });
}

/** Listens, turning failures into one-line PkgIndexErrors. */
export function listen(server: net.Server, host: string, port: number, reusePort: boolean): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => reject(listenFailure(err, host, port));
    server.once("error", onError);
    server.listen({ host, port, reusePort, backlog: 4096 }, () => {
      server.off("error", onError);
      resolve((server.address() as net.AddressInfo).port);
    });
  });
}
