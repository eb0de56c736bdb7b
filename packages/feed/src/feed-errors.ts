import type { FeedSource } from "./feed-source.ts";

/** A request the feed refuses: its status and the JSON body that says why. */
export interface FeedRefusal {
  status: number;
  body: Record<string, string | number>;
}

export function badRequest(reason: string): FeedRefusal {
  return { status: 400, body: { error: "bad_request", reason } };
}

/**
 * `since` outside what the feed can serve without a gap: older than the
 * oldest revision held (retention dropped what follows it) or newer than the
 * current one (a different history, e.g. a memory store that restarted).
 * Either way the client resyncs from GET /v1/snapshot (etcd's "compacted").
 */
export function unservable(since: number, source: FeedSource): FeedRefusal | null {
  const oldest = source.oldestRetained;
  const current = source.currentRevision;
  if (since < oldest - 1) {
    return {
      status: 410,
      body: {
        error: "compacted",
        reason: `revision ${since} is older than the oldest revision held (${oldest}); start again from GET /v1/snapshot`,
        oldest,
        current,
      },
    };
  }
  if (since > current) {
    return {
      status: 410,
      body: {
        error: "unknown_revision",
        reason: `revision ${since} is ahead of the current revision (${current}): this index has another history; start again from GET /v1/snapshot`,
        oldest,
        current,
      },
    };
  }
  return null;
}
