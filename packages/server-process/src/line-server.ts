import net from "node:net";

export interface LineServer {
  port: number;
  /** Request lines received so far, on every connection. */
  lines(): number;
  stop(): Promise<void>;
}

/**
 * A scripted server of the line protocol, for testing clients against
 * replies a real server would never give. `reply` maps each request line
 * (one `\r` before `\n` dropped) and its number to the bytes to send back:
 * null sends nothing, "CLOSE" sends what is due and closes the connection.
 * Replies to one read are written together, as a real server coalesces them.
 * `onCutOff`, when given, answers the bytes after the last newline when the
 * client half-closes (a server that wrongly treats end of input as end of
 * line); its reply is written before the connection is closed.
 */
export async function startLineServer(reply: (line: string, n: number) => string | null, options: { onCutOff?: (fragment: string) => string | null } = {}): Promise<LineServer> {
  const sockets = new Set<net.Socket>();
  let n = 0;
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
    let carry = "";
    socket.setEncoding("latin1");
    socket.on("data", (text: string) => {
      const lines = (carry + text).split("\n");
      carry = lines.pop()!;
      let out = "";
      for (const line of lines) {
        const r = reply(line.replace(/\r$/, ""), n++);
        if (r === "CLOSE") {
          socket.end(out);
          return;
        }
        if (r !== null) out += r;
      }
      if (out !== "") socket.write(out);
    });
    socket.on("end", () => {
      const r = carry !== "" ? options.onCutOff?.(carry) : undefined;
      if (typeof r === "string") socket.end(r);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    lines: () => n,
    async stop() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
