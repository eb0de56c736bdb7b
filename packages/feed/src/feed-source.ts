/** The index at one revision: every package with its dependency list as JSON (`["a","b"]`). */
export interface FeedSnapshot {
  revision: number;
  packages: readonly (readonly [name: string, depsJson: string])[];
}

/**
 * What the feed's HTTP server serves from. FeedHub implements it from the
 * engine's committed changes (memory and SQLite stores);
 * @pkgindex/store-postgres's PostgresFeedSource from `pkgindex.changes`
 * (with a FeedHub inside).
 */
export interface FeedSource {
  /** Revision of the last committed change the source holds (0: none ever). */
  readonly currentRevision: number;
  /** Oldest revision still retained (currentRevision + 1 when none is). */
  readonly oldestRetained: number;
  /** The JSON of each change after `since`, at most `limit` of them, in order (since >= oldestRetained - 1). */
  changesSince(since: number, limit: number): readonly string[];
  /** The whole index at currentRevision, taken at one point in apply order (a copy: later changes do not touch it). */
  snapshot(): FeedSnapshot;
  /** Called after each group of changes (first..last) becomes available, in order. */
  onCommitted(listener: (first: number, last: number) => void): void;
}
