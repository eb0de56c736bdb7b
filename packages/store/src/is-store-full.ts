import { isPkgIndexError } from "@pkgindex/errors";

/**
 * Whether a commit failed only because the disk or quota is full: nothing of
 * the batch is stored, everything committed before is intact, and the store
 * accepts writes again once space is back.
 */
export function isStoreFull(err: unknown): boolean {
  return isPkgIndexError(err) && err.code === "PKGI_DB_FULL";
}
