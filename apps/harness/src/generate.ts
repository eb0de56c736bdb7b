import type { Dataset } from "./dataset.ts";
import { Rng } from "./rng.ts";

export interface GenerateOptions {
  packages: number;
  seed: number;
}

// Share of packages with no dependencies in the Homebrew dump (1,457 of 3,368).
const NO_DEPS_SHARE = 0.43;
// The cumulative distribution of the dependency count among packages that
// have dependencies, read off the Homebrew dump: [count, share at or below].
const DEP_COUNT_CDF: readonly (readonly [number, number])[] = [
  [1, 0.16], [2, 0.31], [3, 0.43], [4, 0.52], [5, 0.59], [6, 0.65], [8, 0.7], [10, 0.74],
  [15, 0.8], [20, 0.83], [30, 0.86], [50, 0.94], [80, 0.99], [120, 1],
];

const PREFIXES = ["", "", "", "", "", "", "", "", "", "", "lib", "lib", "lib", "lib", "g", "x", "py", "perl-", "ruby-", "node-", "go-", "@scope/"];
const ONSETS = ["b", "c", "d", "f", "g", "h", "j", "k", "l", "m", "n", "p", "r", "s", "t", "v", "w", "z", "st", "tr", "ch", "qu", "br", "gl", "sn"];
const VOWELS = ["a", "e", "i", "o", "u", "y", "ou", "ee"];
const CODAS = ["", "", "", "n", "x", "m", "r", "l", "ck", "ng", "ft"];
const SUFFIXES = ["", "", "", "", "", "", "", "2", "3", "-utils", "-tools", "-dev", "-data", "++", "+", "+3", "@3.12", "@1.1", "@18", "-fonts", "-cli"];

function dependencyCount(rng: Rng): number {
  if (rng.float() < NO_DEPS_SHARE) return 0;
  const u = rng.float();
  let lowCount = 0;
  let lowShare = 0;
  for (const [count, share] of DEP_COUNT_CDF) {
    if (u < share) {
      // Interpolate inside the band so every count in it can occur.
      const within = (u - lowShare) / (share - lowShare);
      return lowCount + 1 + Math.floor(within * (count - lowCount));
    }
    lowCount = count;
    lowShare = share;
  }
  return lowCount;
}

function makeName(rng: Rng): string {
  let stem = "";
  const syllables = 1 + rng.int(3);
  for (let s = 0; s < syllables; s++) stem += rng.pick(ONSETS) + rng.pick(VOWELS) + rng.pick(CODAS);
  return rng.pick(PREFIXES) + stem + rng.pick(SUFFIXES);
}

/**
 * A deterministic Homebrew-like dependency DAG: brew-like names (`libfoo`,
 * `gtk+3`, `python@3.12`, `@scope/pkg`), 43% of packages with no
 * dependencies and a heavy tail of dependency counts as in the Homebrew
 * dump, and dependencies chosen by preferential attachment so a few
 * packages (the `pkg-config`s and `openssl`s) have thousands of dependents.
 * Packages are created in a topological order, each depending only on
 * earlier ones, so the graph is acyclic; the result is sorted by name, as
 * a brew dump is, so its order says nothing about dependencies. The same
 * options always give the same dataset.
 */
export function generateDag(options: GenerateOptions): Dataset {
  const n = Math.max(0, Math.trunc(options.packages));
  const rng = new Rng(options.seed, 0x5eed);
  const names: string[] = [];
  const used = new Set<string>();
  for (let i = 0; i < n; i++) {
    let name = makeName(rng);
    if (used.has(name)) {
      let k = 2;
      while (used.has(`${name}-${k}`)) k++;
      name = `${name}-${k}`;
    }
    used.add(name);
    names.push(name);
  }
  // Preferential attachment: `pool` holds every created package once plus
  // once more per dependent it has, so a pick from it favours popular ones.
  // The other picks lean towards early (foundational) packages, which keeps
  // the longest dependency chain near Homebrew's (20 at 3,370 packages).
  const pool: number[] = [];
  const deps: number[][] = [];
  const chosen = new Set<number>();
  for (let i = 0; i < n; i++) {
    const want = Math.min(dependencyCount(rng), i);
    chosen.clear();
    let tries = 0;
    while (chosen.size < want && tries < want * 8) {
      tries++;
      chosen.add(rng.float() < 0.7 && pool.length > 0 ? pool[rng.int(pool.length)] : Math.floor(i * rng.float() ** 2));
    }
    // Fill any shortfall (a small graph with a few very popular packages)
    // with the lowest ids not yet chosen.
    for (let d = 0; chosen.size < want; d++) chosen.add(d);
    const list = [...chosen].toSorted((a, b) => a - b);
    deps.push(list);
    for (const d of list) pool.push(d);
    pool.push(i);
  }
  // Sort by name and renumber.
  const order = names.map((_, i) => i).toSorted((a, b) => (names[a] < names[b] ? -1 : names[a] > names[b] ? 1 : 0));
  const newId = new Int32Array(n);
  for (let k = 0; k < n; k++) newId[order[k]] = k;
  return {
    names: order.map((i) => names[i]),
    deps: order.map((i) => deps[i].map((d) => newId[d]).toSorted((a, b) => a - b)),
  };
}
