import * as fc from "fast-check";
import { describe, expect, it } from "vitest";
import { dependencyOrder, findCycle, type CsrGraph } from "../src/dependency-order.ts";

function csr(adjacency: number[][]): CsrGraph {
  const count = adjacency.length;
  const depStart = new Int32Array(count + 1);
  const flat: number[] = [];
  adjacency.forEach((deps, i) => {
    depStart[i] = flat.length;
    flat.push(...new Set(deps));
  });
  depStart[count] = flat.length;
  return { count, depStart, depList: Int32Array.from(flat) };
}

const graphs = fc
  .integer({ min: 0, max: 60 })
  .chain((n) => fc.array(fc.array(fc.integer({ min: 0, max: Math.max(0, n - 1) }), { maxLength: 4 }), { minLength: n, maxLength: n }));

describe("dependencyOrder", () => {
  it("orders a chain given backwards", () => {
    expect([...dependencyOrder(csr([[1], [2], []])).order]).toEqual([2, 1, 0]);
  });

  it("puts every node once, ordered ones after their dependencies, and reports a real cycle for the rest (property)", () => {
    fc.assert(
      fc.property(graphs, (adjacency) => {
        const graph = csr(adjacency);
        const result = dependencyOrder(graph);
        expect([...result.order].toSorted((a, b) => a - b)).toEqual(adjacency.map((_, i) => i));
        const position = new Map([...result.order].map((v, k) => [v, k]));
        for (let k = 0; k < result.ordered; k++) {
          for (const dep of adjacency[result.order[k]]) expect(position.get(dep)).toBeLessThan(k);
        }
        // A cycle is reported exactly when some node could not be ordered,
        // and it is a real one: closed, and each step an edge.
        const cycle = findCycle(graph, result);
        expect(cycle.length === 0).toBe(result.ordered === adjacency.length);
        expect(cycle.length !== 1).toBe(true);
        expect(cycle[0]).toBe(cycle.at(-1));
        for (let k = 0; k + 1 < cycle.length; k++) expect(adjacency[cycle[k]]).toContain(cycle[k + 1]);
      }),
      { numRuns: 300 },
    );
  });
});
