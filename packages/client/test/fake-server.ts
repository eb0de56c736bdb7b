import net from "node:net";

export interface FakeServer {
  port: number;
  /** Every line received, per connection, in order. */
  received: string[][];
  /** Resolves when `count` connections in all have been accepted. */
  connections(count: number): Promise<net.Socket[]>;
  close(): Promise<void>;
}

/**
 * A TCP server that misbehaves on purpose: `onLine` decides what each
 * connection does with each request line (answer, stay silent, hang up).
 */
export async function startFakeServer(onLine: (socket: net.Socket, line: string, connection: number) => void): Promise<FakeServer> {
  const received: string[][] = [];
  const sockets: net.Socket[] = [];
  const waiters: { count: number; resolve: (s: net.Socket[]) => void }[] = [];
  const server = net.createServer((socket) => {
    const connection = sockets.length;
    sockets.push(socket);
    const lines: string[] = [];
    received.push(lines);
    let carry = "";
    socket.setEncoding("latin1");
    socket.on("error", () => {});
    socket.on("data", (text: string) => {
      const parts = (carry + text).split("\n");
      carry = parts.pop()!;
      for (const line of parts) {
        lines.push(line);
        if (!socket.destroyed) onLine(socket, line, connection);
      }
    });
    for (let i = waiters.length - 1; i >= 0; i--) {
      if (sockets.length >= waiters[i].count) {
        waiters[i].resolve(sockets.slice());
        waiters.splice(i, 1);
      }
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    received,
    connections(count) {
      if (sockets.length >= count) return Promise.resolve(sockets.slice());
      return new Promise((resolve) => waiters.push({ count, resolve }));
    },
    close() {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** A port nothing listens on right now (bound, then released). */
export function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
