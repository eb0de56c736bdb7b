/**
 * A large index of Homebrew-like names for the memory and start-up
 * benchmarks: package i depends on up to five earlier ones, so every prefix
 * is dependency-closed and can be indexed in order.
 */
export function generatedDeps(i: number): string[] {
  const deps = new Set<string>();
  if (i >= 5) for (const k of [1, 2, 3, 5, 8]) deps.add(generatedName(Math.max(0, i - k * 7 - (i % 13))));
  return [...deps];
}

export function generatedName(i: number): string {
  return `lib-package-${i}`;
}
