import { describe, expect, it } from "vitest";
import { nodesTable, parseSetup, type NodesResult } from "../src/nodes.ts";
import { parseLoad } from "../src/yardsticks.ts";

describe("bench nodes", () => {
  it("parses sqlite1 and pgN, and refuses what it cannot run", () => {
    expect(parseSetup("sqlite1")).toEqual({ key: "sqlite1", store: "sqlite", nodes: 1 });
    expect(parseSetup("pg3")).toEqual({ key: "pg3", store: "postgres", nodes: 3 });
    for (const bad of ["sqlite2", "pg0", "pg", "mysql1", "pg-1"]) expect(parseSetup(bad)).toBeNull();
  });

  it("tables medians over rounds with their range and the ratio to the first setup", () => {
    const load = parseLoad("c100d1mixed")!;
    const r = (setup: string, rps: number, pgCpu?: number): NodesResult => ({ setup, load: load.key, rps, p99: 1000, nodeCpu: 10, pgCpu, batchesPerSec: 50, commandsPerBatch: 4 });
    const table = nodesTable([parseSetup("sqlite1")!, parseSetup("pg2")!], [load], [r("sqlite1", 100), r("sqlite1", 300), r("sqlite1", 200), r("pg2", 50, 20), r("pg2", 40, 30), r("pg2", 60, 25)]);
    const rows = table.split("\n").slice(2);
    expect(rows[0]).toBe("| c100d1mixed | sqlite1 | 200 | 100–300 | 1.00 | 1000 | 10.0 | – | 50 | 4.0 |");
    expect(rows[1]).toBe("| c100d1mixed | pg2 | 50 | 40–60 | 0.25 | 1000 | 10.0 | 25.0 | 50 | 4.0 |");
  });
});
