import net from "node:net";
import { SpecModel } from "../src/index.ts";

/**
 * In-process index servers for the checker's tests: one correct reference
 * (the plain spec behind a line protocol), and the same server with one
 * deliberate bug, each of a kind a real implementation can have.
 */
export interface IndexServerBugs {
  /** QUERY is answered from a copy that receives each change this many ms late (a lagging replica or read cache). */
  staleReadsMs?: number;
  /** The reply is sent at once and the change applied this many ms later (acknowledging before applying). */
  replyBeforeApplyMs?: number;
  /** Every nth INDEX that would succeed is answered OK and never applied (a lost acknowledged write). */
  loseEveryNthWrite?: number;
  /** Replies to lines that arrived together go out in reverse order (replies reordered on a connection). */
  reverseReplies?: boolean;
}

export interface InProcessServer {
  port: number;
  /** Commands applied, for asserting the server was exercised. */
  applied(): number;
  stop(): Promise<void>;
}

export async function startIndexServer(bugs: IndexServerBugs = {}): Promise<InProcessServer> {
  const model = new SpecModel();
  const readCopy = new SpecModel();
  let applied = 0;
  let successfulIndexes = 0;
  const mutate = (line: string): string => {
    const reply = model.apply(line);
    if (bugs.staleReadsMs !== undefined && reply === "OK") setTimeout(() => readCopy.apply(line), bugs.staleReadsMs);
    return reply;
  };
  const handle = (line: string): string => {
    const [command, name, deps, extra] = line.split("|");
    if (!["INDEX", "REMOVE", "QUERY"].includes(command) || !name || deps === undefined || extra !== undefined) return "ERROR";
    applied++;
    if (command === "QUERY") return (bugs.staleReadsMs !== undefined ? readCopy : model).query(name);
    if (bugs.replyBeforeApplyMs === undefined && bugs.loseEveryNthWrite === undefined) return mutate(line);
    // The reply worked out on a copy; the change itself comes later, or never.
    const reply = SpecModel.fromEntries(model.entries()).apply(line);
    if (bugs.loseEveryNthWrite !== undefined && command === "INDEX" && reply === "OK" && ++successfulIndexes % bugs.loseEveryNthWrite === 0) return reply;
    if (bugs.replyBeforeApplyMs !== undefined) setTimeout(() => mutate(line), bugs.replyBeforeApplyMs);
    else mutate(line);
    return reply;
  };
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
    socket.setEncoding("latin1");
    let carry = "";
    socket.on("data", (text: string) => {
      const lines = (carry + text).split("\n");
      carry = lines.pop()!;
      const replies = lines.map((l) => handle(l.replace(/\r$/, "")));
      if (bugs.reverseReplies) replies.reverse();
      if (replies.length > 0) socket.write(replies.map((r) => `${r}\n`).join(""));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    applied: () => applied,
    async stop() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
