import { DependencyGraph, indexSucceeded, REMOVE_HAS_DEPENDENTS } from "@pkgindex/graph";
import { formatBrew, parseBrew } from "@pkgindex/store";

/**
 * The DESIGN.md §2 semantics as a reference for crash tests: a
 * DependencyGraph fed the same request lines one at a time, in order, with
 * no threads, sockets or store in between.
 */
export class ReferenceModel {
  private readonly graph = new DependencyGraph();

  /** Starts from a state given as a pkgindex dump (brew text). */
  constructor(dump = "") {
    for (const { name, deps } of parseBrew(dump, "state")) this.graph.restore(name, deps);
    const problem = this.graph.checkIntegrity();
    if (problem !== null) throw new Error(`reference model: the starting state is not a valid index: ${problem}`);
  }

  /** Applies one request line (`INDEX|a|b,c`, `REMOVE|a|`, `QUERY|a|`); returns the reply the server owes. */
  apply(line: string): "OK" | "FAIL" {
    const [command, name, deps] = line.split("|");
    if (command === "INDEX") return indexSucceeded(this.graph.index(name, deps === "" ? [] : deps.split(","))) ? "OK" : "FAIL";
    if (command === "REMOVE") return this.graph.remove(name) === REMOVE_HAS_DEPENDENTS ? "FAIL" : "OK";
    if (command === "QUERY") return this.graph.query(name) ? "OK" : "FAIL";
    throw new Error(`reference model: not a command: ${line}`);
  }

  /** The state as `pkgindex dump` writes it: packages, then each one's dependencies, sorted by name. */
  dump(): string {
    const entries: { name: string; deps: string[] }[] = [];
    this.graph.forEachPackage((name, deps) => entries.push({ name, deps: deps.toSorted() }));
    return formatBrew(entries.toSorted((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)));
  }
}
