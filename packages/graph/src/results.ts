// Outcomes of graph operations as small integers: the state owner maps them
// to reply codes and store writes without allocating.
export const INDEX_ADDED = 0;
export const INDEX_REPLACED = 1;
export const INDEX_UNCHANGED = 2;
export const INDEX_MISSING_DEPENDENCY = 3;
export const INDEX_CYCLE = 4;

export const REMOVE_REMOVED = 0;
export const REMOVE_NOT_INDEXED = 1;
export const REMOVE_HAS_DEPENDENTS = 2;

/** INDEX results that answer OK. */
export function indexSucceeded(result: number): boolean {
  return result <= INDEX_UNCHANGED;
}
/** INDEX results that change stored state. */
export function indexChanged(result: number): boolean {
  return result <= INDEX_REPLACED;
}
