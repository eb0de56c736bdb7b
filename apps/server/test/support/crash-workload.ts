/** A small seeded PRNG (mulberry32): the same seed gives the same stream on every run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A whole number in [0, n). */
export function below(random: () => number, n: number): number {
  return Math.floor(random() * n);
}

/**
 * One random mutation over a small name set, so that every outcome keeps
 * happening: INDEX with 0-3 dependencies (a missing dependency or a cycle
 * FAILs), re-INDEX with another list, REMOVE (FAILs while something depends
 * on the name; OK for a name not indexed).
 */
export function randomMutation(random: () => number, names: readonly string[]): string {
  const name = names[below(random, names.length)];
  if (random() < 0.35) return `REMOVE|${name}|`;
  const deps = Array.from({ length: below(random, 4) }, () => names[below(random, names.length)]);
  return `INDEX|${name}|${deps.join(",")}`;
}
