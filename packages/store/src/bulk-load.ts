import { PkgIndexError } from "@pkgindex/errors";
import type { BrewEntry } from "@pkgindex/brew-format";
import { dependencyOrder, findCycle } from "./dependency-order.ts";
import { isValidName } from "@pkgindex/protocol";
import type { Store } from "./store-types.ts";

export interface BulkLoadOptions {
  /** Names the input in error messages (the file path). */
  source?: string;
  /**
   * A dependency that has no entry of its own: `refuse` (the default; a
   * pkgindex dump always lists every package, so a missing one means a
   * damaged file) or `create` it as a package with no dependencies (brew's
   * own output, for one, lists some packages only as dependencies).
   */
  missing?: "refuse" | "create";
  /** Added to the refusal of a missing dependency: how the caller's user asks for `create` (e.g. a flag). */
  missingHint?: string;
  /** Accept dependency cycles (for an index served with cycles allowed). */
  allowCycles?: boolean;
  /**
   * Line of entries[i] in the source (what parseBrew's `lines` collects): a
   * refusal about an entry then starts with `line N: `, as parseBrew's do.
   */
  lines?: readonly number[];
}

export interface BulkLoadStats {
  packages: number;
  edges: number;
  /** Packages created because they appeared only as dependencies. */
  created: number;
  millis: number;
}

/**
 * Writes entries into an empty store in one transaction, every package after
 * its dependencies. Refuses, with PkgIndexError("PKGI_LOAD_FILE") naming the
 * package and before writing anything: a store that is not empty, an invalid
 * or repeated name, a missing dependency (unless `missing: "create"`) and a
 * cycle (unless `allowCycles`).
 */
export function bulkLoad(store: Store, entries: readonly BrewEntry[], options: BulkLoadOptions = {}): BulkLoadStats {
  const started = performance.now();
  const source = options.source ?? "<entries>";
  const fail = (reason: string, entry?: number): PkgIndexError => {
    const line = entry === undefined ? undefined : options.lines?.[entry];
    return new PkgIndexError("PKGI_LOAD_FILE", { path: source, reason: line === undefined ? reason : `line ${line}: ${reason}` });
  };

  const held = store.load(() => {}).packages;
  if (held > 0) throw fail(`the store already holds ${held} packages; load into an empty data directory`);

  const names: string[] = [];
  const indexOf = new Map<string, number>();
  for (const [i, { name }] of entries.entries()) {
    if (!isValidName(name)) throw fail(`invalid package name ${JSON.stringify(name)}`, i);
    if (indexOf.has(name)) throw fail(`package ${name} is listed twice`, i);
    indexOf.set(name, names.length);
    names.push(name);
  }
  const listed = names.length;
  const depsOf: number[][] = [];
  let edgeCount = 0;
  for (const [i, { name, deps }] of entries.entries()) {
    const ids: number[] = [];
    for (const dep of deps) {
      let j = indexOf.get(dep);
      if (j === undefined) {
        if (!isValidName(dep)) throw fail(`invalid dependency name ${JSON.stringify(dep)} of ${name}`, i);
        if (options.missing !== "create") throw fail(`package ${name} depends on ${dep}, which is not listed${options.missingHint === undefined ? "" : `; ${options.missingHint}`}`, i);
        j = names.length;
        indexOf.set(dep, j);
        names.push(dep);
      }
      if (!ids.includes(j)) ids.push(j);
    }
    depsOf.push(ids);
    edgeCount += ids.length;
  }
  const count = names.length;
  const depStart = new Int32Array(count + 1);
  const depList = new Int32Array(edgeCount);
  for (let i = 0, e = 0; i < count; i++) {
    depStart[i] = e;
    for (const j of depsOf[i] ?? []) depList[e++] = j;
    depStart[i + 1] = e;
  }
  const graph = { count, depStart, depList };
  const result = dependencyOrder(graph);
  if (result.ordered < count && options.allowCycles !== true) {
    const onCycle = findCycle(graph, result);
    const cycle = onCycle.map((i) => names[i]);
    // Only listed entries have dependencies, so a cycle's packages all have a line.
    throw fail(`package ${cycle[0]} is on a dependency cycle: ${cycle.join(" -> ")}`, onCycle[0]);
  }

  const scratch: string[] = [];
  const put = (i: number, withDeps: boolean): void => {
    let n = 0;
    if (withDeps) for (let e = depStart[i]; e < depStart[i + 1]; e++) scratch[n++] = names[depList[e]];
    store.putPackage(names[i], scratch, n);
  };
  // Packages on cycles go in twice: first bare, so that each exists before
  // anything depends on it, then with their dependencies.
  for (let k = result.ordered; k < count; k++) put(result.order[k], false);
  for (let k = 0; k < count; k++) put(result.order[k], true);
  store.commit();
  return { packages: count, edges: edgeCount, created: count - listed, millis: performance.now() - started };
}
