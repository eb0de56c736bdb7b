import { createLineShape, scanLine } from "@pkgindex/protocol";
import { generateDag, parseBrew } from "@pkgindex/harness";
import { describe, expect, it } from "vitest";
import { buildSchedule, buildWorkload, MIX_SHARES, MIXES, type Schedule } from "../src/index.ts";

const data = generateDag({ packages: 2000, seed: 3 });
const w = buildWorkload(data, 0.5);

function lines(s: Schedule): string[] {
  const out: string[] = [];
  for (let i = 0; i < s.count; i++) out.push(s.bytes.toString("utf8", s.offsets[i], s.offsets[i + 1] - 1));
  return out;
}

/** A naive server over names, to replay schedules against. */
function naiveServer(initial: Iterable<string>, deps: Map<string, string[]>) {
  const indexed = new Map<string, string[]>();
  for (const n of initial) indexed.set(n, deps.get(n) ?? []);
  return {
    indexed,
    apply(line: string): "OK" | "FAIL" | "ERROR" {
      const bytes = Buffer.from(line, "utf8");
      if (scanLine(bytes, 0, bytes.length, createLineShape()) !== 0) return "ERROR";
      const [cmd, name, list] = line.split("|");
      if (cmd === "QUERY") return indexed.has(name) ? "OK" : "FAIL";
      if (cmd === "INDEX") {
        const want = list === "" ? [] : list.split(",");
        if (want.some((d) => !indexed.has(d))) return "FAIL";
        indexed.set(name, want);
        return "OK";
      }
      for (const ds of indexed.values()) if (ds.includes(name)) return "FAIL";
      indexed.delete(name);
      return "OK";
    },
  };
}

describe("buildWorkload", () => {
  it("indexes a dependency-closed prefix, half the packages", () => {
    const inPrefix = new Set(w.populate);
    expect(w.populate).toHaveLength(1000);
    const seen = new Set<number>();
    for (const p of w.populate) {
      for (const d of data.deps[p]) expect(seen.has(d)).toBe(true);
      seen.add(p);
    }
    for (const p of w.failing) {
      expect(inPrefix.has(p)).toBe(false);
      expect(data.deps[p].some((d) => !inPrefix.has(d))).toBe(true);
    }
    expect(w.leaves.length + w.nonLeaves.length).toBe(1000);
  });
});

describe("buildSchedule", () => {
  it("is the same for the same seed, different for another", () => {
    const a = buildSchedule(w, "mixed", 0, 500, 1);
    expect(buildSchedule(w, "mixed", 0, 500, 1).bytes.equals(a.bytes)).toBe(true);
    expect(buildSchedule(w, "mixed", 0, 500, 2).bytes.equals(a.bytes)).toBe(false);
  });

  it("ends every line with one newline and knows the longest", () => {
    const s = buildSchedule(w, "harness-like", 0, 1000, 1);
    expect(s.bytes.length).toBe(s.offsets[s.count]);
    let longest = 0;
    for (let i = 0; i < s.count; i++) {
      const len = s.offsets[i + 1] - s.offsets[i];
      expect(s.bytes[s.offsets[i + 1] - 1]).toBe(10);
      expect(s.bytes.subarray(s.offsets[i], s.offsets[i + 1] - 1).includes(10)).toBe(false);
      longest = Math.max(longest, len);
    }
    expect(s.maxLine).toBe(longest);
  });

  it("draws commands in the mix's proportions", () => {
    const all = lines(buildSchedule(w, "query-heavy", 0, 20_000, 1));
    const queries = all.filter((l) => l.startsWith("QUERY|")).length / all.length;
    expect(queries).toBeGreaterThan(0.93);
    expect(queries).toBeLessThan(0.97);
  });

  it("replaces the chosen share by lines the protocol rejects", () => {
    const all = lines(buildSchedule(w, "query-heavy", 20, 10_000, 1));
    const server = naiveServer([], new Map());
    const errors = all.filter((l) => server.apply(l) === "ERROR").length / all.length;
    expect(errors).toBeGreaterThan(0.18);
    expect(errors).toBeLessThan(0.22);
  });

  it.each(MIXES)("keeps the server's state stationary and the replies as designed: %s", (mix) => {
    const deps = new Map(data.names.map((n, i) => [n, data.deps[i].map((d) => data.names[d])]));
    const populated = w.populate.map((p) => data.names[p]);
    const inPrefix = new Set(populated);
    const server = naiveServer(populated, deps);
    const leafNames = new Set(w.leaves.map((p) => data.names[p]));
    const counts = { OK: 0, FAIL: 0, ERROR: 0 };
    const unexpected: string[] = [];
    for (const line of lines(buildSchedule(w, mix, 0, 5000, 9))) {
      const reply = server.apply(line);
      counts[reply]++;
      const [cmd, name] = line.split("|");
      // INDEX succeeds exactly inside the prefix; REMOVE exactly for leaves.
      const expected = reply === "ERROR" || cmd === "QUERY" ? reply : cmd === "INDEX" ? (inPrefix.has(name) ? "OK" : "FAIL") : leafNames.has(name) ? "OK" : "FAIL";
      if (reply !== expected) unexpected.push(`${line} -> ${reply}`);
    }
    expect(unexpected).toEqual([]);
    // Only leaves ever leave; nothing outside the prefix ever enters.
    expect([...server.indexed.keys()].filter((name) => !inPrefix.has(name))).toEqual([]);
    expect(populated.filter((name) => !leafNames.has(name) && !server.indexed.has(name))).toEqual([]);
    const shares = MIX_SHARES[mix];
    expect(counts.ERROR / 5000).toBeCloseTo((shares.malformed ?? 0) / 100, 1);
  });

  it("works on a tiny dataset without failing packages", () => {
    const tiny = buildWorkload(parseBrew("a:\nb: a\n"), 1);
    expect(tiny.failing).toEqual([]);
    expect(lines(buildSchedule(tiny, "harness-like", 0, 50, 1))).toHaveLength(50);
  });
});
