import http from "node:http";

/**
 * Continuous feed streams held by the bench: each records when every
 * change arrived (by its position in the stream), or only counts them
 * (`record: false`, for throughput runs where the bench must cost little).
 */
export class FeedSubscribers {
  readonly arrivals: Float64Array[] = [];
  readonly counts: number[] = [];
  private readonly requests: http.ClientRequest[] = [];
  private readonly agent = new http.Agent({ keepAlive: false, maxSockets: Number.POSITIVE_INFINITY });

  /** Opens `n` streams at since=now; resolves once every one has its headers. */
  static async open(port: number, n: number, expected: number, record: boolean): Promise<FeedSubscribers> {
    const subs = new FeedSubscribers();
    const opened: Promise<void>[] = [];
    for (let s = 0; s < n; s++) opened.push(subs.openOne(port, s, expected, record));
    await Promise.all(opened);
    return subs;
  }

  /** Resolves once every stream has seen `n` changes. */
  async until(n: number, timeoutMs: number): Promise<boolean> {
    const deadline = performance.now() + timeoutMs;
    while (this.counts.some((c) => c < n)) {
      if (performance.now() > deadline) return false;
      await new Promise((r) => setTimeout(r, 20));
    }
    return true;
  }

  close(): void {
    for (const req of this.requests) req.destroy();
    this.agent.destroy();
  }

  private openOne(port: number, s: number, expected: number, record: boolean): Promise<void> {
    const arrivals = new Float64Array(record ? expected : 0);
    this.arrivals.push(arrivals);
    this.counts.push(0);
    return new Promise((resolve, reject) => {
      const req = http.get({ host: "127.0.0.1", port, path: "/v1/changes?since=now&feed=continuous", agent: this.agent }, (res) => {
        if (res.statusCode !== 200) reject(new Error(`feed answered ${res.statusCode}`));
        resolve();
        res.on("data", (chunk: Buffer) => {
          // Comparable with the writer thread's clock (see feed-writer.ts).
          const now = performance.timeOrigin + performance.now();
          // A change is one line starting with {"rev": count the newlines of non-empty lines.
          let n = this.counts[s];
          for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) {
            if (i > 0 && chunk[i - 1] === 10) continue; // heartbeat
            if (record && n < arrivals.length) arrivals[n] = now;
            n++;
          }
          this.counts[s] = n;
        });
      });
      req.on("error", reject);
      this.requests.push(req);
    });
  }
}
