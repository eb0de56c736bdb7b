import { badRequest, type FeedRefusal } from "./feed-errors.ts";

export type FeedMode = "normal" | "longpoll" | "continuous" | "eventsource";

export interface FeedQuery {
  mode: FeedMode;
  /** Changes after this revision; null: `since=now` (the current revision when the request is served). */
  since: number | null;
  /** normal and longpoll: most changes in one response. */
  limit: number;
  /** longpoll: how long to wait for a change. */
  timeoutMs: number;
  /** continuous and eventsource: how often an idle stream gets a heartbeat. */
  heartbeatMs: number;
}

const MODES = new Set<string>(["normal", "longpoll", "continuous", "eventsource"]);
export const DEFAULT_LIMIT = 1000;
const MAX_LIMIT = 10_000;
const DEFAULT_TIMEOUT_MS = 60_000;
const DEFAULT_HEARTBEAT_MS = 30_000;

function whole(params: URLSearchParams, name: string, fallback: number, min: number, max: number): number | FeedRefusal {
  const text = params.get(name);
  if (text === null) return fallback;
  if (!/^\d+$/.test(text)) return badRequest(`${name} must be a whole number from ${min} to ${max}, got ${JSON.stringify(text)}`);
  const value = Number(text);
  if (value < min || value > max) return badRequest(`${name} must be a whole number from ${min} to ${max}, got ${text}`);
  return value;
}

/**
 * Reads GET /v1/changes's parameters: since (a revision, or `now`), feed,
 * limit, timeout (ms), heartbeat (ms). For eventsource a `Last-Event-ID`
 * header (the browser's resume) wins over `since`.
 */
export function parseFeedQuery(params: URLSearchParams, lastEventId: string | undefined): FeedQuery | FeedRefusal {
  const mode = params.get("feed") ?? "normal";
  if (!MODES.has(mode)) return badRequest(`feed must be normal, longpoll, continuous or eventsource, got ${JSON.stringify(mode)}`);
  let sinceText = params.get("since") ?? "0";
  if (mode === "eventsource" && lastEventId !== undefined && lastEventId !== "") sinceText = lastEventId;
  let since: number | null = null;
  if (sinceText !== "now") {
    if (!/^\d{1,15}$/.test(sinceText)) return badRequest(`since must be a revision (a whole number) or now, got ${JSON.stringify(sinceText)}`);
    since = Number(sinceText);
  }
  const limit = whole(params, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT);
  if (typeof limit !== "number") return limit;
  const timeoutMs = whole(params, "timeout", DEFAULT_TIMEOUT_MS, 0, 600_000);
  if (typeof timeoutMs !== "number") return timeoutMs;
  const heartbeatMs = whole(params, "heartbeat", DEFAULT_HEARTBEAT_MS, 100, 600_000);
  if (typeof heartbeatMs !== "number") return heartbeatMs;
  return { mode: mode as FeedMode, since, limit, timeoutMs, heartbeatMs };
}
