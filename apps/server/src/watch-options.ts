import { PkgIndexError } from "@pkgindex/errors";

// `pkgindex watch` flags, in the style of CLIENT_OPTIONS (each also PKGINDEX_<FLAG>).
export const WATCH_OPTIONS = {
  url: { type: "string", default: "http://127.0.0.1:9091", describe: "The change feed (the server's --feed-host and --feed-port)" },
  since: { type: "string", default: "now", describe: "Print the changes after this revision (0: everything the feed retains; now: only new ones)" },
  heartbeat: { type: "number", default: 10, describe: "Seconds between the server's heartbeats; no byte for three of them counts as a lost connection" },
} as const;

export interface RawWatchOptions {
  url: string;
  since: string;
  heartbeat: number;
}

export interface WatchConfig {
  /** The feed's base URL, without a trailing slash. */
  url: string;
  /** null: now. */
  since: number | null;
  heartbeatMs: number;
}

function bad(option: string, reason: string): PkgIndexError {
  return new PkgIndexError("PKGI_BAD_OPTION", { option, reason });
}

export function validateWatchOptions(raw: RawWatchOptions): WatchConfig {
  let url: URL;
  try {
    url = new URL(String(raw.url));
  } catch {
    throw bad("url", `expected an http:// URL, got ${JSON.stringify(raw.url)}`);
  }
  if (url.protocol !== "http:") throw bad("url", `expected an http:// URL, got ${JSON.stringify(raw.url)}`);
  const sinceText = String(raw.since);
  if (sinceText !== "now" && !/^\d{1,15}$/.test(sinceText)) throw bad("since", `expected a revision (a whole number) or now, got ${JSON.stringify(sinceText)}`);
  if (typeof raw.heartbeat !== "number" || !Number.isFinite(raw.heartbeat) || raw.heartbeat < 0.1 || raw.heartbeat > 600) {
    throw bad("heartbeat", `expected seconds from 0.1 to 600, got ${Number.isNaN(raw.heartbeat) ? "a non-number" : raw.heartbeat}`);
  }
  return {
    url: url.href.replace(/\/+$/, ""),
    since: sinceText === "now" ? null : Number(sinceText),
    heartbeatMs: Math.round(raw.heartbeat * 1000),
  };
}
