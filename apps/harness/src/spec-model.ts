/**
 * The index's sequential specification (DESIGN.md §2, cycles refused),
 * written as plainly as possible: a map from each indexed package to its
 * set of dependencies. It shares no code with packages/graph on purpose: it
 * is the yardstick the server's graph is judged by (the linearizability
 * checker's packed model is tested against it, and the crash test replays
 * through it), so a bug in the graph cannot hide by being repeated here.
 */
export type SpecReply = "OK" | "FAIL";

export interface SpecEntry {
  name: string;
  deps: string[];
}

/** Byte order for ASCII names, as `pkgindex dump` sorts. */
function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export class SpecModel {
  private readonly packages = new Map<string, Set<string>>();

  /** A model holding `entries` as they are, e.g. a dump of a server's state; refuses a state that breaks the invariants. */
  static fromEntries(entries: Iterable<SpecEntry>): SpecModel {
    const model = new SpecModel();
    const list = [...entries];
    for (const { name, deps } of list) model.packages.set(name, new Set(deps));
    for (const { name, deps } of list) {
      for (const d of deps) {
        if (!model.packages.has(d)) throw new Error(`spec model: ${name} depends on ${d}, which is not indexed`);
      }
      if (model.reaches(deps, name)) throw new Error(`spec model: ${name} is on a dependency cycle`);
    }
    return model;
  }

  /** True when some package in `from` is `target` or depends on it, directly or not. */
  private reaches(from: Iterable<string>, target: string): boolean {
    const seen = new Set<string>();
    const stack = [...from];
    while (stack.length > 0) {
      const name = stack.pop()!;
      if (name === target) return true;
      if (seen.has(name)) continue;
      seen.add(name);
      for (const d of this.packages.get(name) ?? []) stack.push(d);
    }
    return false;
  }

  /** OK when every dependency is indexed and no cycle (self-dependency included) would close; on FAIL nothing changes. */
  index(name: string, deps: readonly string[]): SpecReply {
    const set = new Set(deps);
    for (const d of set) if (!this.packages.has(d)) return "FAIL";
    // A cycle closes exactly when a new dependency is the package or leads back to it.
    if (this.reaches(set, name)) return "FAIL";
    this.packages.set(name, set);
    return "OK";
  }

  /** OK when removed or not indexed; FAIL while another indexed package depends on it. */
  remove(name: string): SpecReply {
    if (!this.packages.has(name)) return "OK";
    for (const [other, deps] of this.packages) {
      if (other !== name && deps.has(name)) return "FAIL";
    }
    this.packages.delete(name);
    return "OK";
  }

  query(name: string): SpecReply {
    return this.packages.has(name) ? "OK" : "FAIL";
  }

  /** Applies one well-formed request line (`INDEX|a|b,c`, `REMOVE|a|`, `QUERY|a|`) and returns the reply the spec owes. */
  apply(line: string): SpecReply {
    const [command, name, deps] = line.split("|");
    if (command === "INDEX") return this.index(name, deps === "" ? [] : deps.split(","));
    if (command === "REMOVE") return this.remove(name);
    if (command === "QUERY") return this.query(name);
    throw new Error(`spec model: not a command: ${line}`);
  }

  has(name: string): boolean {
    return this.packages.has(name);
  }

  /** The dependencies of an indexed package, sorted; undefined when it is not indexed. */
  depsOf(name: string): string[] | undefined {
    const deps = this.packages.get(name);
    return deps === undefined ? undefined : [...deps].toSorted();
  }

  /** Every indexed package with its dependencies, both sorted by name (byte order, as `pkgindex dump` sorts). */
  entries(): SpecEntry[] {
    return [...this.packages.keys()].toSorted(byName).map((name) => ({ name, deps: [...this.packages.get(name)!].toSorted(byName) }));
  }
}
