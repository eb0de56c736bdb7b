// What the PostgreSQL benches share: a seeded generator (the same batches
// on every run, so versions and machines compare), the `mixed` line of
// apply-rate.ts (70% INDEX, 15% QUERY, 15% REMOVE over `packages` names
// p0..), and a median.

/** A linear congruential generator: `random(n)` is in [0, n). */
export function seededRandom(seed: number): (n: number) => number {
  let state = seed;
  return (n) => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state % n;
  };
}

/** One `mixed` line over p0..p(packages-1); an INDEX depends only on lower-numbered names, so the data stays acyclic. */
export function mixedLine(random: (n: number) => number, packages: number): string {
  const r = random(100);
  const i = 1 + random(packages - 1);
  if (r < 15) return `QUERY|p${i}|`;
  if (r < 30) return `REMOVE|p${i}|`;
  const deps: string[] = [];
  for (let k = random(4); k > 0; k--) deps.push(`p${random(i)}`);
  return `INDEX|p${i}|${deps.join(",")}`;
}

export function median(values: number[]): number {
  const s = values.toSorted((a, b) => a - b);
  return s.length % 2 === 1 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}
