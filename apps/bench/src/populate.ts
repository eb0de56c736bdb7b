import { connect, indexLine } from "@pkgindex/harness";
import type { Workload } from "./workload.ts";

export class PopulateError extends Error {
  override name = "PopulateError";
}

/**
 * Indexes the workload's prefix before a run, dependencies first, over one
 * pipelined connection (a server applies one connection's requests in
 * order). Indexing what is already indexed is harmless, so it can be
 * repeated before every run. Every reply must be OK.
 */
export async function populate(host: string, port: number, w: Workload, batch = 1000, tls?: import("node:tls").ConnectionOptions): Promise<void> {
  const socket = await connect({ host, port, tls });
  try {
    socket.setEncoding("latin1");
    let carry = "";
    let waiting: ((replies: string[]) => void) | null = null;
    let need = 0;
    let got: string[] = [];
    let failure: Error | null = null;
    socket.on("data", (text: string) => {
      const parts = (carry + text).split("\n");
      carry = parts.pop()!;
      got.push(...parts);
      if (waiting !== null && got.length >= need) {
        const w2 = waiting;
        waiting = null;
        w2(got);
      }
    });
    socket.on("close", () => {
      failure = new PopulateError("the server closed the connection while it was being populated");
      waiting?.([]);
    });
    socket.on("error", () => {});
    for (let from = 0; from < w.populate.length; from += batch) {
      const ids = w.populate.slice(from, from + batch);
      got = [];
      need = ids.length;
      const replies = new Promise<string[]>((resolve) => {
        waiting = resolve;
      });
      socket.write(ids.map((p) => indexLine(w.data, p) + "\n").join(""));
      const r = await replies;
      if (failure !== null) throw failure;
      const bad = r.findIndex((x) => x !== "OK");
      if (bad !== -1) {
        throw new PopulateError(`populating the server: ${JSON.stringify(indexLine(w.data, ids[bad]))} was answered ${r[bad]}, expected OK (start it empty)`);
      }
    }
  } finally {
    socket.removeAllListeners("close");
    socket.destroy();
  }
}
