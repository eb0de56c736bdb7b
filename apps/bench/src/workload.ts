import { type Dataset, dependentsOf, generateDag, indexLine, loadBrewFile, malformedLine, Rng, topoOrder } from "@pkgindex/harness";

export const MIXES = ["query-heavy", "mixed", "harness-like", "write-heavy"] as const;
export type MixName = (typeof MIXES)[number];

/** What each request of a mix is, in percent (they add up to 100). */
export const MIX_SHARES: Record<MixName, Partial<Record<RequestKind, number>>> = {
  // Reads dominate; every name queried, so hits are the indexed share.
  "query-heavy": { query: 95, reindex: 5 },
  // The `mixed` of ../shared/bench/loadgen: 80% QUERY, 10% INDEX, 10% malformed.
  mixed: { query: 80, reindex: 10, malformed: 10 },
  // What the challenge harness's brute-force phase sends: INDEX that mostly
  // FAILs (a dependency is missing), repeated re-INDEX, some QUERY and refused REMOVE.
  "harness-like": { "index-fail": 55, reindex: 25, query: 15, "remove-fail": 5 },
  // Churn: leaves removed and indexed again, re-INDEX and a few QUERY.
  "write-heavy": { "index-leaf": 35, "remove-leaf": 35, reindex: 20, query: 10 },
};

export type RequestKind = "query" | "reindex" | "index-fail" | "index-leaf" | "remove-leaf" | "remove-fail" | "malformed";

export interface DataSource {
  /** A brew-format file; when absent, the generator with `packages` and `dataSeed`. */
  dataPath?: string;
  packages: number;
  dataSeed: number;
}

export function loadData(source: DataSource): Dataset {
  return source.dataPath !== undefined ? loadBrewFile(source.dataPath) : generateDag({ packages: source.packages, seed: source.dataSeed });
}

/**
 * The parts of a dataset a stationary workload needs. `indexed` is a prefix
 * of a topological order (closed under dependencies), indexed before a run.
 * Every request a mix sends keeps the server's state within a fixed set:
 * - reindex: INDEX of an indexed package with its own dependencies → OK;
 * - index-fail: INDEX of a package outside the prefix with a dependency
 *   outside it → FAIL. None of these ever succeeds: the first to succeed
 *   would need its outside dependency indexed first;
 * - index-leaf / remove-leaf: leaves of the prefix (no dependent inside it)
 *   removed and indexed again → OK whatever the interleaving;
 * - remove-fail: REMOVE of a package with a dependent in the prefix → FAIL.
 */
export interface Workload {
  data: Dataset;
  /** Packages to index before a run, dependencies first. */
  populate: number[];
  indexed: number[];
  failing: number[];
  leaves: number[];
  nonLeaves: number[];
}

export function buildWorkload(data: Dataset, indexedShare = 0.5): Workload {
  const order = topoOrder(data);
  const cut = Math.max(1, Math.round(order.length * indexedShare));
  const populate = order.slice(0, cut);
  const inPrefix = new Uint8Array(data.names.length);
  for (const p of populate) inPrefix[p] = 1;
  const dependents = dependentsOf(data);
  const failing: number[] = [];
  for (const p of order.slice(cut)) if (data.deps[p].some((d) => inPrefix[d] === 0)) failing.push(p);
  const leaves: number[] = [];
  const nonLeaves: number[] = [];
  for (const p of populate) (dependents[p].some((q) => inPrefix[q] === 1) ? nonLeaves : leaves).push(p);
  return { data, populate, indexed: populate.slice().toSorted((a, b) => a - b), failing, leaves, nonLeaves };
}

export interface Schedule {
  /** Request lines back to back, each ending in `\n`. */
  bytes: Buffer;
  /** Offset of line i in `bytes`; `offsets[count]` is the end. */
  offsets: Uint32Array;
  count: number;
  /** The longest line, with its newline. */
  maxLine: number;
}

/**
 * A fixed sequence of `count` requests drawn from a mix, encoded once, so the
 * load loop only copies bytes: no strings, no objects per request.
 * `malformedPercent` of requests are replaced by malformed lines.
 */
export function buildSchedule(w: Workload, mix: MixName, malformedPercent: number, count: number, seed: number): Schedule {
  const rng = new Rng(seed, 77);
  const names = w.data.names;
  const shares = Object.entries(MIX_SHARES[mix]) as [RequestKind, number][];
  const pickFrom = (list: number[], fallback: number[]): number => {
    const from = list.length > 0 ? list : fallback;
    return from[rng.int(from.length)];
  };
  const all = names.map((_, i) => i);
  const lineFor = (kind: RequestKind): string => {
    switch (kind) {
      case "query":
        return `QUERY|${names[rng.int(names.length)]}|`;
      case "reindex":
        return indexLine(w.data, pickFrom(w.indexed, all));
      case "index-fail":
        return indexLine(w.data, pickFrom(w.failing, all));
      case "index-leaf":
        return indexLine(w.data, pickFrom(w.leaves, w.indexed));
      case "remove-leaf":
        return `REMOVE|${names[pickFrom(w.leaves, w.indexed)]}|`;
      case "remove-fail":
        return `REMOVE|${names[pickFrom(w.nonLeaves, w.indexed)]}|`;
      default:
        return malformedLine(rng, names[rng.int(names.length)], names[rng.int(names.length)]).line;
    }
  };
  const lines: Buffer[] = [];
  const offsets = new Uint32Array(count + 1);
  let at = 0;
  let maxLine = 0;
  for (let i = 0; i < count; i++) {
    let kind: RequestKind = "malformed";
    if (!rng.percent(malformedPercent)) {
      let u = rng.float() * 100;
      for (const [k, share] of shares) {
        kind = k;
        u -= share;
        if (u < 0) break;
      }
    }
    const line = Buffer.from(lineFor(kind) + "\n", "utf8");
    lines.push(line);
    offsets[i] = at;
    at += line.length;
    if (line.length > maxLine) maxLine = line.length;
  }
  offsets[count] = at;
  return { bytes: Buffer.concat(lines, at), offsets, count, maxLine };
}
