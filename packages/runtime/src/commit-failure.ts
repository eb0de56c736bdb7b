/** The one line a failed commit is reported with, in every layout. */
export function commitFailure(err: unknown): string {
  const reason = err instanceof Error ? err.message : String(err);
  return `commit failed, batch not acknowledged: ${reason}`;
}
