// Test helpers: feed a parser chunk by chunk and reduce what it said to one
// comparable outcome, and enumerate the ways to split a byte string.
import { ProxyHeaderParser, type ProxyHeaderMode, type ProxyInfo } from "../src/index.ts";

export interface Outcome {
  status: "need-more" | "done" | "error";
  info?: ProxyInfo;
  headerBytes?: number;
  /** Protocol data: `rest` of the push that finished the header plus every later chunk, as the parser returned them. */
  data?: string;
  code?: string;
  reason?: string;
  /** How many chunks were pushed before the parser gave a final answer (-1: none). */
  finalAt: number;
}

/** Pushes every chunk to a fresh parser and reduces the answers to one outcome. */
export function feed(chunks: readonly Buffer[], mode: ProxyHeaderMode = "any", maxHeaderBytes?: number): Outcome {
  const parser = new ProxyHeaderParser(mode, maxHeaderBytes);
  let outcome: Outcome = { status: "need-more", finalAt: -1 };
  const data: Buffer[] = [];
  chunks.forEach((chunk, i) => {
    const r = parser.push(chunk);
    if (outcome.status === "error") {
      // After an error the parser repeats it.
      if (r.status !== "error" || r.code !== outcome.code) throw new Error(`error not sticky: ${JSON.stringify(r)}`);
      return;
    }
    if (r.status === "need-more") {
      if (outcome.status === "done") throw new Error("need-more after done");
      return;
    }
    if (r.status === "error") {
      if (outcome.status === "done") throw new Error("error after done");
      outcome = { status: "error", code: r.code, reason: r.reason, finalAt: i };
      return;
    }
    if (outcome.status === "done") {
      if (r.info !== outcome.info || r.rest !== chunk) throw new Error("done after done must pass the chunk through");
    } else {
      outcome = { status: "done", info: r.info, headerBytes: r.headerBytes, finalAt: i };
    }
    data.push(r.rest);
  });
  if (outcome.status === "done") outcome.data = Buffer.concat(data).toString("latin1");
  return outcome;
}

/** The outcome without when it happened: what must not depend on the split. */
export function essence(o: Outcome): Omit<Outcome, "finalAt"> {
  const { finalAt: _, ...rest } = o;
  return rest;
}

/** All 2-way splits (cut at 0..n) and the byte-at-a-time split. */
export function everySplit(bytes: Buffer): Buffer[][] {
  const splits: Buffer[][] = [];
  for (let cut = 0; cut <= bytes.length; cut++) splits.push([bytes.subarray(0, cut), bytes.subarray(cut)]);
  const single: Buffer[] = [];
  for (let i = 0; i < bytes.length; i++) single.push(bytes.subarray(i, i + 1));
  splits.push(single);
  return splits;
}

/** Splits `bytes` at the given offsets (clamped, sorted, deduplicated). */
export function splitAt(bytes: Buffer, cuts: readonly number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => Math.min(Math.max(c, 0), bytes.length)))].toSorted((a, b) => a - b);
  const parts: Buffer[] = [];
  let prev = 0;
  for (const p of points) {
    parts.push(bytes.subarray(prev, p));
    prev = p;
  }
  parts.push(bytes.subarray(prev));
  return parts;
}
