import {
  type DependencyGraph, INDEX_ADDED, INDEX_CYCLE, INDEX_MISSING_DEPENDENCY, INDEX_REPLACED, INDEX_UNCHANGED, REMOVE_HAS_DEPENDENTS, REMOVE_NOT_INDEXED, REMOVE_REMOVED } from "../../src/index.ts";

// The reference model the graph's property tests compare against.

export const RESULT_NAME: Record<string, Record<number, string>> = {
  index: { [INDEX_ADDED]: "ADDED", [INDEX_REPLACED]: "REPLACED", [INDEX_UNCHANGED]: "UNCHANGED", [INDEX_MISSING_DEPENDENCY]: "MISSING", [INDEX_CYCLE]: "CYCLE" },
  remove: { [REMOVE_REMOVED]: "REMOVED", [REMOVE_NOT_INDEXED]: "NOT_INDEXED", [REMOVE_HAS_DEPENDENTS]: "HAS_DEPENDENTS" },
};

/** The §2 semantics written naively: a map of sets, cycle detection by DFS over the whole graph. */
export class ReferenceIndex {
  readonly packages = new Map<string, Set<string>>();
  readonly allowCycles: boolean;

  constructor(allowCycles: boolean) {
    this.allowCycles = allowCycles;
  }

  index(name: string, deps: string[]): string {
    for (const d of deps) if (!this.packages.has(d)) return "MISSING";
    const next = new Set(deps);
    const old = this.packages.get(name);
    if (old !== undefined && old.size === next.size && [...old].every((d) => next.has(d))) return "UNCHANGED";
    if (!this.allowCycles) {
      const trial = new Map(this.packages);
      trial.set(name, next);
      if (hasCycle(trial)) return "CYCLE";
    }
    this.packages.set(name, next);
    return old === undefined ? "ADDED" : "REPLACED";
  }

  remove(name: string): string {
    if (!this.packages.has(name)) return "NOT_INDEXED";
    // A package's own self-edge (possible only with allowCycles) does not block its removal.
    for (const [other, deps] of this.packages) if (other !== name && deps.has(name)) return "HAS_DEPENDENTS";
    this.packages.delete(name);
    return "REMOVED";
  }

  query(name: string): boolean {
    return this.packages.has(name);
  }

  dependents(name: string): number {
    if (!this.packages.has(name)) return 0;
    let n = 0;
    for (const deps of this.packages.values()) if (deps.has(name)) n++;
    return n;
  }
}

export function hasCycle(graph: Map<string, Set<string>>): boolean {
  const state = new Map<string, 1 | 2>(); // 1: on the path, 2: done
  const visit = (n: string): boolean => {
    const s = state.get(n);
    if (s === 1) return true;
    if (s === 2) return false;
    state.set(n, 1);
    for (const d of graph.get(n) ?? []) if (visit(d)) return true;
    state.set(n, 2);
    return false;
  };
  for (const n of graph.keys()) if (visit(n)) return true;
  return false;
}

const sortedList = (deps: Iterable<string>): string => [...deps].toSorted().join(",");

/**
 * Everything that must hold after a step, against the model: null, or the
 * first difference. Plain comparisons (one expect per step) keep thousands of
 * steps fast.
 */
export function differenceFromModel(real: DependencyGraph, model: ReferenceIndex, names: readonly string[]): string | null {
  const integrity = real.checkIntegrity();
  if (integrity !== null) return `checkIntegrity: ${integrity}`;
  if (real.size !== model.packages.size) return `size ${real.size}, model ${model.packages.size}`;
  let edges = 0;
  for (const deps of model.packages.values()) edges += deps.size;
  if (real.edgeCount !== edges) return `edgeCount ${real.edgeCount}, model ${edges}`;
  const out: string[] = [];
  for (const name of names) {
    if (real.query(name) !== model.query(name)) return `query ${name}: ${real.query(name)}, model ${model.query(name)}`;
    if (real.dependentsOf(name) !== model.dependents(name)) {
      return `dependentsOf ${name}: ${real.dependentsOf(name)}, model ${model.dependents(name)}`;
    }
    const n = real.dependenciesOf(name, out);
    const deps = out.slice(0, n);
    if (new Set(deps).size !== n) return `dependencies of ${name} repeat: ${deps.join(",")}`;
    const want = sortedList(model.packages.get(name) ?? []);
    if (sortedList(deps) !== want) return `dependencies of ${name}: ${sortedList(deps)}, model ${want}`;
  }
  // The invariants stated on the real graph alone, independent of the model.
  const listed = new Map<string, number>();
  const forward = new Map<string, Set<string>>();
  let problem: string | null = null;
  real.forEachPackage((name, deps) => {
    forward.set(name, new Set(deps));
    for (const d of deps) {
      if (!real.query(d)) problem ??= `${name} depends on ${d}, which is not indexed`;
      listed.set(d, (listed.get(d) ?? 0) + 1);
    }
  });
  if (problem !== null) return problem;
  for (const name of forward.keys()) {
    if (real.dependentsOf(name) !== (listed.get(name) ?? 0)) {
      return `dependentsOf ${name} is ${real.dependentsOf(name)} but ${listed.get(name) ?? 0} packages list it`;
    }
  }
  if (!real.allowCycles && hasCycle(forward)) return "cycle in a graph without allowCycles";
  return null;
}

