import net from "node:net";
import { PkgIndexError } from "@pkgindex/errors";

function listenError(err: NodeJS.ErrnoException, host: string, port: number): PkgIndexError {
  const address = `${host}:${port}`;
  if (err.code === "EADDRINUSE") return new PkgIndexError("PKGI_PORT_IN_USE", { address });
  return new PkgIndexError("PKGI_LISTEN_FAILED", { address, reason: err.code ?? err.message });
}

/** Listens, turning failures into one-line PkgIndexErrors. */
export function listen(server: net.Server, host: string, port: number, reusePort: boolean): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => reject(listenError(err, host, port));
    server.once("error", onError);
    server.listen({ host, port, reusePort, backlog: 4096 }, () => {
      server.off("error", onError);
      resolve((server.address() as net.AddressInfo).port);
    });
  });
}

/**
 * Binds host:port WITHOUT SO_REUSEPORT and releases it. The I/O workers bind
 * with SO_REUSEPORT, which would quietly share a port another reuse-port
 * process holds; this probe fails instead, and resolves port 0 to a real
 * port every worker then shares.
 */
export async function probePort(host: string, port: number): Promise<number> {
  const server = net.createServer();
  const bound = await listen(server, host, port, false);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return bound;
}
