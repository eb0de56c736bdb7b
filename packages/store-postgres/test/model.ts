// An independent reference model of DESIGN.md §2, written for clarity, not
// speed: a Map of name -> dependency set, and a log of the changes that
// altered it (what pkgindex.changes must hold, revision = position + 1).
// It shares no code with pkgindex.apply, so the two agree only if both
// follow the spec.

export const OK = 0;
export const FAIL = 1;
export const ERROR = 2;

export interface Change {
  command: "INDEX" | "REMOVE";
  name: string;
  /** Sorted, de-duplicated, joined by ','. */
  deps: string;
}

function validName(name: string): boolean {
  return /^[\x21-\x2B\x2D-\x7B\x7D\x7E]{1,255}$/.test(name);
}

function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export class Model {
  readonly packages = new Map<string, Set<string>>();
  readonly changes: Change[] = [];
  readonly allowCycles: boolean;
  constructor(allowCycles: boolean) {
    this.allowCycles = allowCycles;
  }

  /** Is `target` reachable from `from` along dependency edges (from itself counts)? */
  private reaches(from: string, target: string): boolean {
    const seen = new Set<string>();
    const stack = [from];
    while (stack.length > 0) {
      const node = stack.pop() as string;
      if (node === target) return true;
      if (seen.has(node)) continue;
      seen.add(node);
      for (const next of this.packages.get(node) ?? []) stack.push(next);
    }
    return false;
  }

  apply(line: string): number {
    const fields = line.split("|");
    if (fields.length !== 3) return ERROR;
    const [command, name, third] = fields;
    if (command !== "INDEX" && command !== "REMOVE" && command !== "QUERY") return ERROR;
    if (!validName(name)) return ERROR;
    const deps = third === "" ? [] : third.split(",");
    if (!deps.every(validName)) return ERROR;

    if (command === "QUERY") return this.packages.has(name) ? OK : FAIL;

    if (command === "REMOVE") {
      if (!this.packages.has(name)) return OK;
      for (const [other, list] of this.packages) if (other !== name && list.has(name)) return FAIL;
      this.packages.delete(name);
      this.changes.push({ command: "REMOVE", name, deps: "" });
      return OK;
    }

    const wanted = new Set(deps);
    for (const dep of wanted) if (!this.packages.has(dep)) return FAIL;
    const old = this.packages.get(name);
    if (old !== undefined && old.size === wanted.size && [...wanted].every((d) => old.has(d))) return OK;
    if (!this.allowCycles && old !== undefined) {
      // The new list closes a cycle iff the package is reachable from one of
      // its new dependencies (the package itself included).
      for (const dep of wanted) if (this.reaches(dep, name)) return FAIL;
    }
    this.packages.set(name, wanted);
    this.changes.push({ command: "INDEX", name, deps: [...wanted].toSorted(byName).join(",") });
    return OK;
  }

  applyBatch(lines: readonly string[]): number[] {
    return lines.map((line) => this.apply(line));
  }

  /** name -> sorted deps, sorted by name: comparable with PostgresStore.dumpEntries(). */
  entries(): { name: string; deps: string[] }[] {
    return [...this.packages]
      .map(([name, deps]) => ({ name, deps: [...deps].toSorted(byName) }))
      .toSorted((a, b) => byName(a.name, b.name));
  }
}
