import { readFileSync } from "node:fs";
import { type BrewEntry, BrewFormatError, parseBrew as parseBrewText } from "@pkgindex/brew-format";

/**
 * A set of packages and their dependencies. Package `i` is `names[i]`; its
 * dependencies are the indices `deps[i]` (no repeats, never `i`).
 */
export interface Dataset {
  names: string[];
  deps: number[][];
}

export class DataError extends Error {
  override name = "DataError";
}

export { isValidName } from "@pkgindex/protocol";

/**
 * Parses the brew format with the one parser `pkgindex load` uses too
 * (@pkgindex/brew-format: a name may hold `:`, so `a:b: c` is package `a:b`).
 * A name that appears only as a dependency becomes a package with no
 * dependencies of its own (the Homebrew dump names two such), so every
 * named package can be indexed. A self-dependency is refused: a server
 * refuses it, so the harness could never index that package.
 */
export function parseBrew(text: string): Dataset {
  const lines: number[] = [];
  let entries: BrewEntry[];
  try {
    entries = parseBrewText(text, lines);
  } catch (err) {
    if (err instanceof BrewFormatError) throw new DataError(err.message);
    throw err;
  }
  const names: string[] = [];
  const deps: number[][] = [];
  const ids = new Map<string, number>();
  const idOf = (name: string): number => {
    let id = ids.get(name);
    if (id === undefined) {
      id = names.length;
      ids.set(name, id);
      names.push(name);
      deps.push([]);
    }
    return id;
  };
  entries.forEach((entry, k) => {
    const id = idOf(entry.name);
    for (const dep of entry.deps) {
      const d = idOf(dep);
      if (d === id) throw new DataError(`line ${lines[k]}: package ${entry.name} depends on itself`);
      deps[id].push(d);
    }
  });
  return { names, deps };
}

export function loadBrewFile(path: string): Dataset {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new DataError(`cannot read data file ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  return parseBrew(text);
}

/** The dataset in brew format, packages in index order. */
export function toBrew(data: Dataset): string {
  let out = "";
  for (let i = 0; i < data.names.length; i++) {
    out += data.names[i] + ":";
    for (const d of data.deps[i]) out += " " + data.names[d];
    out += "\n";
  }
  return out;
}

/** For each package, the packages that depend on it. */
export function dependentsOf(data: Dataset): number[][] {
  const out: number[][] = data.names.map(() => []);
  for (let i = 0; i < data.deps.length; i++) for (const d of data.deps[i]) out[d].push(i);
  return out;
}

/**
 * A topological order (every package after its dependencies), Kahn's
 * algorithm. Throws DataError naming a package on a cycle when there is one:
 * a server refuses cycles, so a harness run over cyclic data could never
 * finish indexing.
 */
export function topoOrder(data: Dataset): number[] {
  const n = data.names.length;
  const missing = new Int32Array(n);
  for (let i = 0; i < n; i++) missing[i] = data.deps[i].length;
  const dependents = dependentsOf(data);
  const order: number[] = [];
  for (let i = 0; i < n; i++) if (missing[i] === 0) order.push(i);
  for (let k = 0; k < order.length; k++) {
    for (const q of dependents[order[k]]) if (--missing[q] === 0) order.push(q);
  }
  if (order.length < n) {
    // Walk unresolved dependencies from any unresolved package: the walk
    // must come back to a package it has seen, which is then on a cycle.
    let at = 0;
    while (missing[at] === 0) at++;
    const seen = new Set<number>();
    while (!seen.has(at)) {
      seen.add(at);
      at = data.deps[at].find((d) => missing[d] > 0) ?? at;
    }
    throw new DataError(`the data has a dependency cycle through ${data.names[at]}`);
  }
  return order;
}

/** The request line that indexes package `i` with its dependencies (no newline). */
export function indexLine(data: Dataset, i: number): string {
  let line = "INDEX|" + data.names[i] + "|";
  const deps = data.deps[i];
  for (let k = 0; k < deps.length; k++) line += (k === 0 ? "" : ",") + data.names[deps[k]];
  return line;
}

/** Counts for a one-line description of a dataset. */
export function describe(data: Dataset): { packages: number; edges: number; roots: number; maxDeps: number } {
  let edges = 0;
  let roots = 0;
  let maxDeps = 0;
  for (const d of data.deps) {
    edges += d.length;
    if (d.length === 0) roots++;
    if (d.length > maxDeps) maxDeps = d.length;
  }
  return { packages: data.names.length, edges, roots, maxDeps };
}
