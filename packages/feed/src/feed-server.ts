import http from "node:http";
import type { AddressInfo } from "node:net";
import { badRequest, unservable, type FeedRefusal } from "./feed-errors.ts";
import { parseFeedQuery, type FeedQuery } from "./feed-query.ts";
import type { FeedSource } from "./feed-source.ts";
import { writeSnapshot } from "./snapshot-response.ts";
import { encodeChanges, encodeEnding, NDJSON_HEARTBEAT, SSE_HEARTBEAT } from "./stream-encoding.ts";

/** The part of a pino logger the feed server uses. */
export interface FeedLogger {
  warn(obj: object, msg: string): void;
}

export interface FeedServerOptions {
  host: string;
  /** 0: an ephemeral port. */
  port: number;
  source: FeedSource;
  /** Bytes a stream may have queued before the server stops writing to it and waits for it to drain. */
  maxBufferBytes: number;
  /** A stream over that bound for this long without draining is cut off. */
  stallTimeoutMs: number;
  /**
   * The share of its thread the fan-out may take (0 < share < 1): small on
   * a thread that also runs the index (--workers 0), larger on the
   * supervisor's. Lower means more coalescing: fewer, larger writes, later.
   */
  maxThreadShare: number;
  logger?: FeedLogger;
  /** Turns a listen error into the error to throw (the runtime's PKGI_* listen errors). */
  listenError?: (err: NodeJS.ErrnoException) => Error;
}

export interface FeedServer {
  readonly port: number;
  /** Open continuous and eventsource streams. */
  readonly streams: number;
  /** Streams cut off since start (too slow, or fell out of retention). */
  readonly cutOff: number;
  /** Ends every stream (with a last line saying so), answers waiting long polls, stops listening. */
  close(): Promise<void>;
}

interface Stream {
  res: http.ServerResponse;
  sse: boolean;
  /** The last revision written to it. */
  position: number;
  /** When its buffer went over the bound (0: it is not blocked, and position is current). */
  blockedSince: number;
  heartbeat: NodeJS.Timeout;
  open: boolean;
}

interface LongPoll {
  res: http.ServerResponse;
  since: number;
  limit: number;
  timer: NodeJS.Timeout;
}

/** Changes written per catch-up step: a stream far behind is fed from the log in steps, each when it has drained. */
const CATCH_UP_CHUNK = 512;
/** Block encodings kept for streams catching up (per format: about 32 × 512 changes). */
const BLOCK_CACHE = 64;
/** Chunks (of CATCH_UP_CHUNK changes) one stream may be written in one delivery: bounds each delivery's work. */
const STEPS_PER_DELIVERY = 2;
/** A cut-off stream's socket is destroyed after this if the client does not read its last line. */
const CUT_OFF_GRACE_MS = 2000;

function sendJson(res: http.ServerResponse, status: number, body: string, headers: http.OutgoingHttpHeaders = {}): void {
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(body),
    "cache-control": "no-store",
    ...headers,
  });
  res.end(body);
}

function refuse(res: http.ServerResponse, refusal: FeedRefusal): void {
  sendJson(res, refusal.status, `${JSON.stringify(refusal.body)}\n`);
}

/**
 * The change feed over HTTP (node:http), on its own listener:
 * GET /v1/changes (normal, longpoll, continuous, eventsource) and
 * GET /v1/snapshot. Committed changes are encoded once per publication and
 * the same buffer is written to every stream that is up to date; a stream
 * that is behind is fed from the log, a step at a time, whenever its socket
 * drains. Memory per stream is therefore its socket's buffer (about
 * maxBufferBytes plus one step), never a queue of its own.
 */
export async function startFeedServer(options: FeedServerOptions): Promise<FeedServer> {
  const { source, maxBufferBytes, stallTimeoutMs, logger } = options;
  // A delivery that took t is followed by a pause of t * cooldown: delivering is then share of the time.
  const cooldown = (1 - options.maxThreadShare) / options.maxThreadShare;
  const streams = new Set<Stream>();
  const polls = new Set<LongPoll>();
  let cutOff = 0;
  let closing = false;

  const end = (stream: Stream, error: string, reason: string): void => {
    if (!stream.open) return;
    stream.open = false;
    streams.delete(stream);
    ready.delete(stream);
    clearInterval(stream.heartbeat);
    stream.res.end(encodeEnding(stream.sse, error, reason, stream.position));
    // A client that does not read even its last line is not waited for.
    setTimeout(() => stream.res.destroy(), CUT_OFF_GRACE_MS).unref();
  };

  const cut = (stream: Stream, reason: string): void => {
    cutOff++;
    logger?.warn({ lastRevision: stream.position, reason }, "feed: stream cut off");
    end(stream, "cut_off", reason);
  };

  /** The revision live streams were last given (see deliver). */
  let delivered = source.currentRevision;
  let scheduled = false;
  let nextDeliveryAt = 0;
  /** Streams that drained (or just opened) and are behind: fed in the next delivery. */
  const ready = new Set<Stream>();
  /** Encodings of whole CATCH_UP_CHUNK-aligned blocks, shared by streams catching up (a few, most recent kept). */
  const blocks = new Map<string, Buffer>();

  const block = (stream: Stream): void => {
    stream.blockedSince = Date.now();
    stream.res.once("drain", () => {
      stream.blockedSince = 0;
      ready.add(stream);
      schedule();
    });
  };

  /** The encoding of block `b` (revisions b * CHUNK + 1 … (b + 1) * CHUNK), from the cache or made once. */
  const blockChunk = (sse: boolean, b: number): Buffer => {
    const key = `${sse ? "e" : "n"}${b}`;
    let chunk = blocks.get(key);
    if (chunk === undefined) {
      chunk = Buffer.from(encodeChanges(sse, b * CATCH_UP_CHUNK + 1, source.changesSince(b * CATCH_UP_CHUNK, CATCH_UP_CHUNK)));
      blocks.set(key, chunk);
      if (blocks.size > BLOCK_CACHE) blocks.delete(blocks.keys().next().value!);
    }
    return chunk;
  };

  /**
   * Writes what the stream is missing up to `target`, at most
   * STEPS_PER_DELIVERY steps: if it is still behind it waits for the next
   * delivery (or, once its buffer is full, for its socket to drain).
   */
  const catchUpTo = (stream: Stream, target: number): void => {
    for (let step = 0; stream.open && stream.position < target; step++) {
      if (step === STEPS_PER_DELIVERY) {
        ready.add(stream); // deliver() schedules the next round once its cool-down is known
        return;
      }
      if (stream.position < source.oldestRetained - 1) {
        cut(stream, `fell behind the retention: revision ${stream.position + 1} is no longer held`);
        return;
      }
      const atBoundary = stream.position % CATCH_UP_CHUNK === 0;
      if (atBoundary && stream.position + CATCH_UP_CHUNK <= target && stream.position + 1 >= source.oldestRetained) {
        stream.res.write(blockChunk(stream.sse, stream.position / CATCH_UP_CHUNK));
        stream.position += CATCH_UP_CHUNK;
      } else {
        // Up to the next block boundary (or the target): its own encoding.
        const to = Math.min(target, (Math.floor(stream.position / CATCH_UP_CHUNK) + 1) * CATCH_UP_CHUNK);
        const jsons = source.changesSince(stream.position, to - stream.position);
        stream.res.write(encodeChanges(stream.sse, stream.position + 1, jsons));
        stream.position += jsons.length;
      }
      if (stream.res.writableLength > maxBufferBytes) {
        block(stream);
        return;
      }
    }
  };

  const answerPoll = (poll: LongPoll): void => {
    polls.delete(poll);
    clearTimeout(poll.timer);
    const jsons = source.changesSince(poll.since, poll.limit);
    const last = poll.since + jsons.length;
    const body = `{"changes":[${jsons.join(",")}],"last_rev":${last},"pending":${source.currentRevision - last}}\n`;
    sendJson(poll.res, 200, body);
  };

  // All writing to streams happens in deliver(), coalesced: work that
  // arrives (a publication, a stream that drained) while the previous
  // delivery's cool-down runs waits for it. Writes per stream per second
  // stay bounded however often the index commits, and the fan-out takes at
  // most maxThreadShare of this thread, which with --workers 0 is the
  // index's own. Work after a quiet spell goes out at once.
  const deliver = (): void => {
    scheduled = false;
    const started = performance.now();
    const first = delivered + 1;
    const last = source.currentRevision;
    if (last >= first) {
      for (const poll of polls) if (poll.since < last) answerPoll(poll);
      // Segments of at most CATCH_UP_CHUNK changes, each encoded once per
      // format and shared by every stream that is current: a stream stops
      // taking them once over its bound, so what it holds stays within
      // maxBufferBytes plus one segment.
      const segments: { first: number; jsons: readonly string[]; ndjson: Buffer | null; sse: Buffer | null }[] = [];
      for (const stream of streams) {
        if (stream.blockedSince !== 0 || ready.has(stream) || stream.position >= last) continue;
        if (stream.position + 1 < source.oldestRetained) {
          cut(stream, `fell behind the retention: revision ${stream.position + 1} is no longer held`);
          continue;
        }
        if (stream.position !== first - 1) {
          // Opened at a revision inside the range: it takes the rest from the log.
          catchUpTo(stream, last);
          continue;
        }
        for (let k = 0; first + k * CATCH_UP_CHUNK <= last; k++) {
          if (k === STEPS_PER_DELIVERY) {
            // The rest of a long range comes as catch-up, a few steps per delivery.
            ready.add(stream);
            break;
          }
          while (segments.length <= k) {
            const from = first + segments.length * CATCH_UP_CHUNK;
            segments.push({ first: from, jsons: source.changesSince(from - 1, Math.min(CATCH_UP_CHUNK, last - from + 1)), ndjson: null, sse: null });
          }
          const seg = segments[k];
          const chunk = stream.sse ? (seg.sse ??= Buffer.from(encodeChanges(true, seg.first, seg.jsons))) : (seg.ndjson ??= Buffer.from(encodeChanges(false, seg.first, seg.jsons)));
          stream.res.write(chunk);
          stream.position = seg.first + seg.jsons.length - 1;
          if (stream.res.writableLength > maxBufferBytes) {
            block(stream);
            break;
          }
        }
      }
      delivered = last;
    }
    // Those still behind after their steps come back for the next delivery, not this one.
    const behind = [...ready];
    ready.clear();
    for (const stream of behind) catchUpTo(stream, delivered);
    const spent = performance.now() - started;
    nextDeliveryAt = started + spent * (1 + cooldown);
    if (ready.size > 0) schedule();
  };

  const schedule = (): void => {
    if (scheduled) return;
    if (streams.size === 0 && polls.size === 0) {
      delivered = source.currentRevision;
      return;
    }
    scheduled = true;
    const wait = nextDeliveryAt - performance.now();
    if (wait <= 0) setImmediate(deliver);
    else setTimeout(deliver, wait);
  };

  source.onCommitted(schedule);

  const sweep = setInterval(
    () => {
      const now = Date.now();
      for (const stream of streams) {
        if (stream.blockedSince !== 0 && now - stream.blockedSince > stallTimeoutMs) {
          cut(stream, `too slow: more than ${maxBufferBytes} bytes stayed unread for ${stallTimeoutMs} ms`);
        }
      }
    },
    Math.max(50, Math.min(1000, Math.floor(stallTimeoutMs / 4))),
  );
  sweep.unref();

  const openStream = (res: http.ServerResponse, query: FeedQuery, since: number): void => {
    const sse = query.mode === "eventsource";
    res.writeHead(200, {
      "content-type": sse ? "text/event-stream" : "application/x-ndjson",
      "cache-control": "no-store",
      "x-accel-buffering": "no",
      "x-pkgindex-revision": String(source.currentRevision),
    });
    res.flushHeaders();
    res.socket?.setNoDelay(true);
    const stream: Stream = {
      res,
      sse,
      position: since,
      blockedSince: 0,
      open: true,
      heartbeat: setInterval(() => {
        if (stream.blockedSince === 0) res.write(sse ? SSE_HEARTBEAT : NDJSON_HEARTBEAT);
      }, query.heartbeatMs),
    };
    stream.heartbeat.unref();
    streams.add(stream);
    res.on("close", () => {
      stream.open = false;
      streams.delete(stream);
      ready.delete(stream);
      clearInterval(stream.heartbeat);
    });
    ready.add(stream);
    schedule();
  };

  const changes = (req: http.IncomingMessage, res: http.ServerResponse, params: URLSearchParams): void => {
    const lastEventId = req.headers["last-event-id"];
    const query = parseFeedQuery(params, typeof lastEventId === "string" ? lastEventId : undefined);
    if ("status" in query) {
      refuse(res, query);
      return;
    }
    const since = query.since ?? source.currentRevision;
    const refusal = unservable(since, source);
    if (refusal !== null) {
      refuse(res, refusal);
      return;
    }
    if (query.mode === "continuous" || query.mode === "eventsource") {
      openStream(res, query, since);
      return;
    }
    const poll: LongPoll = { res, since, limit: query.limit, timer: undefined as unknown as NodeJS.Timeout };
    if (query.mode === "normal" || since < source.currentRevision || query.timeoutMs === 0) {
      answerPoll(poll);
      return;
    }
    poll.timer = setTimeout(() => answerPoll(poll), query.timeoutMs);
    polls.add(poll);
    res.on("close", () => {
      polls.delete(poll);
      clearTimeout(poll.timer);
    });
  };

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://feed.invalid");
    if (url.pathname !== "/v1/changes" && url.pathname !== "/v1/snapshot") {
      refuse(res, { status: 404, body: { error: "not_found", reason: "the feed serves GET /v1/changes and GET /v1/snapshot" } });
      return;
    }
    if (req.method !== "GET") {
      sendJson(res, 405, `${JSON.stringify({ error: "method_not_allowed", reason: "only GET" })}\n`, { allow: "GET" });
      return;
    }
    if (closing) {
      refuse(res, { status: 503, body: { error: "shutting_down", reason: "the server is shutting down" } });
      return;
    }
    if (url.pathname === "/v1/snapshot") {
      if (url.search !== "") {
        refuse(res, badRequest("/v1/snapshot takes no parameters"));
        return;
      }
      writeSnapshot(res, source.snapshot()).catch(() => res.destroy());
      return;
    }
    changes(req, res, url.searchParams);
  });
  // Streams live for hours: no server-side request or idle timeout ends them.
  server.requestTimeout = 0;
  server.keepAliveTimeout = 5000;

  const port = await new Promise<number>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => reject(options.listenError?.(err) ?? err);
    server.once("error", onError);
    server.listen({ host: options.host, port: options.port }, () => {
      server.off("error", onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
  server.on("error", (err) => logger?.warn({ err }, "feed server error"));

  return {
    port,
    get streams() {
      return streams.size;
    },
    get cutOff() {
      return cutOff;
    },
    close: () =>
      new Promise<void>((resolve) => {
        closing = true;
        clearInterval(sweep);
        for (const stream of streams) end(stream, "shutting_down", "the server is shutting down");
        for (const poll of polls) answerPoll(poll);
        server.close(() => resolve());
        server.closeIdleConnections();
        setTimeout(() => server.closeAllConnections(), CUT_OFF_GRACE_MS).unref();
      }),
  };
}
