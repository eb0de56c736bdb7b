export { DependencyGraph, type DependencyTables } from "./dependency-graph.ts";
export { NameReader, NameTable, type NameTables } from "./name-table.ts";
export {
  INDEX_ADDED,
  INDEX_CYCLE,
  INDEX_MISSING_DEPENDENCY,
  INDEX_REPLACED,
  INDEX_UNCHANGED,
  indexChanged,
  indexSucceeded,
  REMOVE_HAS_DEPENDENTS,
  REMOVE_NOT_INDEXED,
  REMOVE_REMOVED,
} from "./results.ts";
