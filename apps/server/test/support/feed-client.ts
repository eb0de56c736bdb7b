import http from "node:http";
import { freePort } from "@pkgindex/server-process";
import { pkgindexEntry } from "./pkgindex-entry.ts";
import { startServer, type ServerProcess, type StartOptions } from "./server-process.ts";

/** One change as the feed serves it. */
export interface Change {
  rev: number;
  command: "INDEX" | "REMOVE";
  name: string;
  deps: string[];
}

/** GET on the feed: status and parsed JSON body. */
export async function feedGet<T = Record<string, unknown>>(port: number, route: string, headers: Record<string, string> = {}): Promise<{ status: number; body: T }> {
  const res = await fetch(`http://127.0.0.1:${port}${route}`, { headers });
  return { status: res.status, body: (await res.json()) as T };
}

/** Every change after `since` by paging GET /v1/changes (feed=normal). */
export async function changesSince(port: number, since: number): Promise<Change[]> {
  const out: Change[] = [];
  for (;;) {
    const { status, body } = await feedGet<{ changes: Change[]; last_rev: number; pending: number }>(port, `/v1/changes?since=${since}&limit=10000`);
    if (status !== 200) throw new Error(`GET /v1/changes?since=${since}: ${status} ${JSON.stringify(body)}`);
    out.push(...body.changes);
    since = body.last_rev;
    if (body.pending === 0) return out;
  }
}

/** The index a sequence of changes leaves, from a starting index. */
export function fold(changes: readonly Change[], start: Record<string, string[]> = {}): Map<string, string[]> {
  const index = new Map(Object.entries(start).map(([name, deps]) => [name, [...deps].toSorted()]));
  for (const c of changes) {
    if (c.command === "INDEX") index.set(c.name, [...c.deps].toSorted());
    else index.delete(c.name);
  }
  return index;
}

/** GET /v1/snapshot as a Map (deps sorted). */
export async function snapshot(port: number): Promise<{ revision: number; index: Map<string, string[]> }> {
  const { status, body } = await feedGet<{ revision: number; packages: Record<string, string[]> }>(port, "/v1/snapshot");
  if (status !== 200) throw new Error(`GET /v1/snapshot: ${status}`);
  return { revision: body.revision, index: fold([], body.packages) };
}

/**
 * A continuous (NDJSON) or eventsource stream, parsed as it comes: waits are
 * on what arrived (a revision, the end), never on time.
 */
export class FeedStream {
  readonly changes: Change[] = [];
  /** Non-change lines: a continuous stream's last line, or SSE comments other than heartbeats. */
  readonly endings: string[] = [];
  heartbeats = 0;
  status = 0;
  ended = false;
  private readonly req: http.ClientRequest;
  private readonly waiters: { test: () => boolean; what: string; endIsFine: boolean; resolve: () => void; reject: (err: Error) => void }[] = [];

  private constructor(port: number, query: string, headers: Record<string, string>, ready: (stream: FeedStream) => void) {
    const sse = query.includes("feed=eventsource");
    this.req = http.get({ host: "127.0.0.1", port, path: `/v1/changes?${query}`, headers }, (res) => {
      this.status = res.statusCode ?? 0;
      ready(this);
      let carry = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        carry += chunk;
        const sep = sse ? "\n\n" : "\n";
        let at = carry.indexOf(sep);
        while (at !== -1) {
          this.take(carry.slice(0, at), sse);
          carry = carry.slice(at + sep.length);
          at = carry.indexOf(sep);
        }
        this.settle();
      });
      res.on("close", () => {
        this.ended = true;
        this.settle();
      });
    });
    this.req.on("error", () => {
      this.ended = true;
      this.settle();
    });
  }

  /** Opens a stream; resolves once the response headers arrived. */
  static open(port: number, query: string, headers: Record<string, string> = {}): Promise<FeedStream> {
    return new Promise((resolve) => new FeedStream(port, query, headers, resolve));
  }

  get last(): number {
    return this.changes.at(-1)?.rev ?? 0;
  }

  /** Resolves once a change with revision >= `rev` arrived (rejects if the stream ends first). */
  untilRevision(rev: number): Promise<void> {
    return this.until(() => this.last >= rev, `revision ${rev}`);
  }

  /** Resolves when the server ended the stream. */
  untilEnded(): Promise<void> {
    return this.until(() => this.ended, "the end", true);
  }

  untilHeartbeats(n: number): Promise<void> {
    return this.until(() => this.heartbeats >= n, `${n} heartbeats`);
  }

  close(): void {
    this.req.destroy();
  }

  private until(test: () => boolean, what: string, endIsFine = false): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiters.push({ test, what, endIsFine, resolve, reject });
      this.settle();
    });
  }

  private settle(): void {
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      const w = this.waiters[i];
      if (w.test()) this.waiters.splice(i, 1)[0].resolve();
      else if (this.ended && !w.endIsFine) this.waiters.splice(i, 1)[0].reject(new Error(`stream ended at revision ${this.last} before ${w.what}`));
    }
  }

  private take(record: string, sse: boolean): void {
    if (!sse) {
      if (record === "") this.heartbeats++;
      else if (record.startsWith('{"rev"')) this.changes.push(JSON.parse(record) as Change);
      else this.endings.push(record);
      return;
    }
    if (record === ": heartbeat") {
      this.heartbeats++;
      return;
    }
    const data = /^id: (\d+)\ndata: (.*)$/s.exec(record);
    if (data === null) {
      this.endings.push(record);
      return;
    }
    const change = JSON.parse(data[2]) as Change;
    if (change.rev !== Number(data[1])) throw new Error(`SSE id ${data[1]} is not the change's revision ${change.rev}`);
    this.changes.push(change);
  }
}

/** Revisions are consecutive from `first`: nothing skipped, nothing repeated. */
export function expectConsecutive(changes: readonly Change[], first: number): string | null {
  for (let i = 0; i < changes.length; i++) if (changes[i].rev !== first + i) return `change ${i} has revision ${changes[i].rev}, expected ${first + i}`;
  return null;
}

/** A pkgindex server with its change feed on: the feed's port beside the TCP one. */
export interface FeedServerProcess extends ServerProcess {
  feedPort: number;
}

/**
 * startServer with `--feed-port` on a free port (or `feedPort`, to restart
 * on the same one) and whatever else `args` says; the bundle when it is
 * current (see pkgindexEntry).
 */
export async function startWithFeed(args: string[], options: StartOptions & { feedPort?: number } = {}): Promise<FeedServerProcess> {
  const feedPort = options.feedPort ?? (await freePort());
  const server = await startServer(["--feed-host", "127.0.0.1", "--feed-port", String(feedPort), ...args], {}, { entry: pkgindexEntry().file, ...options });
  return { ...server, feedPort };
}

/**
 * Resolves once the feed holds revision `rev`. Replies go out once a change
 * is committed; the feed gets it just after (its own message, off the
 * state owner's path), so a test that was told OK waits here, on long
 * polls that return at the next change, before it reads the feed.
 */
export async function untilFeedRevision(port: number, rev: number): Promise<void> {
  for (;;) {
    const { revision } = await snapshot(port);
    if (revision >= rev) return;
    await feedGet(port, `/v1/changes?since=${revision}&feed=longpoll&timeout=5000`);
  }
}
