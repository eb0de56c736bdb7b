import { describe, expect, it } from "vitest";
import { EMPTY_STATE, KIND_INDEX, KIND_QUERY, KIND_REMOVE, MAX_NAMES, Rng, SpecModel, type Step, depsMask, isIndexed, packedStep } from "../src/index.ts";

// The checker's packed model must be the plain spec, reply for reply and
// state for state, on long random sequences over the full name set.
describe("the packed spec", () => {
  it("agrees with SpecModel on 20,000 random commands per seed", () => {
    const names = Array.from({ length: MAX_NAMES }, (_, i) => `n${i}`);
    for (const seed of [1, 2, 3]) {
      const rng = new Rng(seed);
      const model = new SpecModel();
      let state = EMPTY_STATE;
      const out: Step = { ok: false, state: 0 };
      const maskOf = (deps: string[] | undefined): number => (deps === undefined ? -1 : deps.reduce((m, d) => m | (1 << names.indexOf(d)), 0));
      const mismatches: object[] = [];
      const seen = { ok: 0, fail: 0, cycles: 0 };
      for (let i = 0; i < 20_000; i++) {
        const name = rng.int(MAX_NAMES);
        const r = rng.float();
        const kind = r < 0.5 ? KIND_INDEX : r < 0.75 ? KIND_REMOVE : KIND_QUERY;
        let mask = 0;
        if (kind === KIND_INDEX) for (let k = rng.int(4); k > 0; k--) mask |= 1 << rng.int(MAX_NAMES);
        const deps = names.filter((_, d) => (mask & (1 << d)) !== 0);
        const line = `${["INDEX", "REMOVE", "QUERY"][kind]}|${names[name]}|${deps.join(",")}`;
        const reindexOfIndexed = kind === KIND_INDEX && model.has(names[name]) && deps.every((d) => model.has(d)) && !deps.includes(names[name]);
        const expected = model.apply(line);
        if (reindexOfIndexed && expected === "FAIL") seen.cycles++;
        packedStep(state, kind, name, mask, MAX_NAMES, out);
        state = out.state;
        seen[expected === "OK" ? "ok" : "fail"]++;
        // Compared as one value per command (a mismatch names the command and its position).
        const packed = { reply: out.ok ? "OK" : "FAIL", state: names.map((_, n) => (isIndexed(state, n) ? depsMask(state, n) : -1)) };
        const plain = { reply: expected, state: names.map((n) => maskOf(model.depsOf(n))) };
        if (JSON.stringify(packed) !== JSON.stringify(plain)) mismatches.push({ seed, i, line, packed, plain });
      }
      // Empty, or the first disagreements, each naming the command and its position.
      expect(mismatches.slice(0, 3)).toEqual([]);
      // The sequence reached every branch, cycles refused included.
      expect(seen.ok).toBeGreaterThan(1000);
      expect(seen.fail).toBeGreaterThan(1000);
      expect(seen.cycles).toBeGreaterThan(10);
    }
  });
});
