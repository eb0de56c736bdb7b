import http from "node:http";
import { backoffDelay } from "@pkgindex/client";
import { PkgIndexError } from "@pkgindex/errors";
import type { WatchConfig } from "./watch-options.ts";

const RETRY_MIN_MS = 100;
const RETRY_MAX_MS = 5000;
/** Exit status when the feed cannot continue from our revision (410). */
const EXIT_GONE = 3;

/** The JSON body of an error response, or of a stream's last line. */
interface FeedError {
  error?: string;
  reason?: string;
}

function fail(err: PkgIndexError, status: number): never {
  process.stderr.write(`pkgindex: [${err.code}] ${err.message}\n`);
  process.exit(status);
}

function readBody(res: http.IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let body = "";
    res.setEncoding("utf8");
    res.on("data", (chunk: string) => {
      body += chunk;
    });
    res.on("end", () => resolve(body));
    res.on("error", () => resolve(body));
  });
}

function reasonOf(body: string): string {
  try {
    return (JSON.parse(body) as FeedError).reason ?? body.trim();
  } catch {
    return body.trim();
  }
}

/**
 * `pkgindex watch`: follows GET /v1/changes?feed=continuous, prints each
 * change line as received, and resumes from the last revision printed after
 * any disconnect (with backoff and jitter). Ends the process on 410 (exit 3)
 * or another refusal (exit 1), one line on stderr.
 */
export async function runWatch(config: WatchConfig): Promise<void> {
  let since = config.since;
  let retry = 0;
  let current: http.ClientRequest | undefined;
  const stop = (): void => {
    current?.destroy();
    process.exit(0);
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);

  for (;;) {
    const outcome = await follow(config, since, (revision) => {
      since = revision;
      retry = 0;
    }, (req) => {
      current = req;
    });
    if (outcome.kind === "gone") {
      fail(new PkgIndexError("PKGI_FEED_GONE", { url: config.url, since: String(since ?? "now"), reason: outcome.reason }), EXIT_GONE);
    }
    if (outcome.kind === "refused") {
      fail(new PkgIndexError("PKGI_FEED_REFUSED", { url: config.url, status: outcome.status, reason: outcome.reason }), 1);
    }
    if (outcome.kind === "opened") since = outcome.since;
    retry++;
    const delay = backoffDelay(retry, RETRY_MIN_MS, RETRY_MAX_MS);
    process.stderr.write(`pkgindex watch: ${outcome.reason}; resuming from revision ${since ?? "now"} in ${delay} ms\n`);
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}

type Outcome =
  | { kind: "gone"; reason: string }
  | { kind: "refused"; status: number; reason: string }
  /** The stream ended or broke; `since` is where to resume. */
  | { kind: "opened"; since: number | null; reason: string }
  | { kind: "lost"; reason: string };

/** One connection: resolves when it ends, however it ends. */
function follow(
  config: WatchConfig,
  since: number | null,
  printed: (revision: number) => void,
  started: (req: http.ClientRequest) => void,
): Promise<Outcome> {
  return new Promise((resolve) => {
    let position = since;
    let settled = false;
    const done = (outcome: Outcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(watchdog);
      req.destroy();
      resolve(outcome);
    };
    let watchdog: NodeJS.Timeout | undefined;
    const silence = config.heartbeatMs * 3;
    const pet = (): void => {
      clearTimeout(watchdog);
      watchdog = setTimeout(() => done({ kind: "opened", since: position, reason: `nothing from the feed for ${silence} ms` }), silence);
    };
    const url = `${config.url}/v1/changes?feed=continuous&since=${since ?? "now"}&heartbeat=${config.heartbeatMs}`;
    const req = http.get(url, (res) => {
      if (res.statusCode === 410) {
        void readBody(res).then((body) => done({ kind: "gone", reason: reasonOf(body) }));
        return;
      }
      if (res.statusCode !== 200) {
        const status = res.statusCode ?? 0;
        void readBody(res).then((body) => {
          // A server that is starting or stopping is worth waiting for; anything else is a mistake to report.
          if (status >= 500) done({ kind: "lost", reason: `the feed answered ${status}: ${reasonOf(body)}` });
          else done({ kind: "refused", status, reason: reasonOf(body) });
        });
        return;
      }
      if (position === null) position = Number(res.headers["x-pkgindex-revision"] ?? 0);
      // On stderr, so stdout stays one change per line.
      process.stderr.write(`pkgindex watch: following ${config.url} from revision ${position}\n`);
      pet();
      let carry = "";
      let ending = "the feed closed the stream";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        pet();
        carry += chunk;
        let out = "";
        let start = 0;
        for (let nl = carry.indexOf("\n"); nl !== -1; nl = carry.indexOf("\n", start)) {
          const line = carry.slice(start, nl);
          start = nl + 1;
          if (line === "") continue; // heartbeat
          let parsed: { rev?: number } & FeedError;
          try {
            parsed = JSON.parse(line) as { rev?: number } & FeedError;
          } catch {
            done({ kind: "opened", since: position, reason: `an unreadable line from the feed: ${JSON.stringify(line.slice(0, 80))}` });
            return;
          }
          if (typeof parsed.rev === "number") {
            out += `${line}\n`;
            position = parsed.rev;
          } else if (parsed.error !== undefined) {
            ending = `the feed ended the stream (${parsed.error}: ${parsed.reason ?? ""})`;
          }
        }
        carry = carry.slice(start);
        if (out === "") return;
        printed(position!);
        // A slow stdout slows the stream down (TCP backpressure) instead of buffering here.
        if (!process.stdout.write(out)) {
          res.pause();
          process.stdout.once("drain", () => res.resume());
        }
      });
      res.on("end", () => done({ kind: "opened", since: position, reason: ending }));
      res.on("error", (err) => done({ kind: "opened", since: position, reason: `connection lost (${err.message})` }));
      res.on("close", () => done({ kind: "opened", since: position, reason: ending }));
    });
    started(req);
    req.on("error", (err: NodeJS.ErrnoException) => done({ kind: "lost", reason: `cannot reach the feed (${err.code ?? err.message})` }));
  });
}
