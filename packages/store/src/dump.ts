import { type BrewEntry, formatBrew } from "@pkgindex/brew-format";
import type { Store } from "./store-types.ts";

function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Every stored package, sorted by name with its dependencies sorted by name:
 * one canonical text per index, so two dumps of the same index are
 * byte-identical and dumps diff well.
 */
export function dumpEntries(store: Store): BrewEntry[] {
  const entries: BrewEntry[] = [];
  store.load((name, deps) => {
    entries.push({ name, deps: deps.toSorted(byName) });
  });
  return entries.toSorted((a, b) => byName(a.name, b.name));
}

/** dumpEntries as brew-format text, for `pkgindex dump [FILE]`. */
export function dumpBrew(store: Store): string {
  return formatBrew(dumpEntries(store));
}
