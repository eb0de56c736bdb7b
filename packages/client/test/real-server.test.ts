import { once } from "node:events";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient, createPool, isPkgIndexClientError, type Client } from "../src/index.ts";
import { startRealServer, type RealServer } from "./real-server.ts";

/** The rejection of `promise`, or null if it resolved. */
function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => null,
    (err: unknown) => err,
  );
}

describe("client against pkgindex serve (dist, --workers 0, memory)", () => {
  let server: RealServer;
  beforeAll(async () => {
    server = await startRealServer();
  });
  afterAll(async () => {
    await server.stop();
  });

  it("maps OK and FAIL to true and false for each command", async () => {
    const client = createClient({ port: server.port });
    try {
      expect(await client.index("zlib")).toBe(true);
      expect(await client.index("openssl", ["zlib", "ca-certificates"])).toBe(false); // a dependency is missing
      expect(await client.query("openssl")).toBe(false);
      expect(await client.index("ca-certificates", [])).toBe(true);
      expect(await client.index("openssl", ["zlib", "ca-certificates"])).toBe(true);
      expect(await client.query("openssl")).toBe(true);
      expect(await client.remove("zlib")).toBe(false); // openssl depends on it
      expect(await client.remove("openssl")).toBe(true);
      expect(await client.remove("openssl")).toBe(true); // not indexed is OK too
      expect(await client.send("QUERY|zlib|")).toBe("OK");
      expect(await client.send("QUERY|nope|")).toBe("FAIL");
      expect(await client.send("query|zlib|")).toBe("ERROR"); // commands are case-sensitive
      expect(await client.send("INDEX|a b|")).toBe("ERROR"); // raw lines are not validated
      expect(await client.query("zlib")).toBe(true); // the connection survives ERROR
    } finally {
      await client.close();
    }
  });

  it("pipelines 1,000 requests on one connection and matches every reply to its request", async () => {
    const client = createClient({ port: server.port });
    try {
      await client.connect();
      // Each package depends on the one before, so all are OK only if the
      // server received and applied them in the order they were issued.
      const chain: Promise<boolean>[] = [];
      for (let i = 0; i < 1000; i++) chain.push(client.index(`chain-${i}`, i === 0 ? [] : [`chain-${i - 1}`]));
      expect(client.inFlight).toBe(1000);
      expect(await Promise.all(chain)).toEqual(new Array(1000).fill(true));

      // Three reply kinds interleaved: a reply handed to the wrong promise shows.
      const mixed: Promise<boolean | string>[] = [];
      const expected: (boolean | string)[] = [];
      for (let i = 0; i < 1000; i++) {
        if (i % 3 === 0) {
          mixed.push(client.query(`chain-${i}`));
          expected.push(true);
        } else if (i % 3 === 1) {
          mixed.push(client.query(`absent-${i}`));
          expected.push(false);
        } else {
          mixed.push(client.send(`BOGUS|${i}|`));
          expected.push("ERROR");
        }
      }
      expect(client.inFlight).toBe(1000);
      expect(await Promise.all(mixed)).toEqual(expected);
      expect(client.requestsSent).toBe(2000);
      expect(client.inFlight).toBe(0);
    } finally {
      await client.close();
    }
  });

  it("close() delivers the replies owed, then refuses new requests with PKGI_CLIENT_CLOSED", async () => {
    const client = createClient({ port: server.port });
    const order: string[] = [];
    const owed = client.index("closing-a").then((ok) => order.push(`index ${ok}`));
    const closed = client.close().then(() => order.push("closed"));
    const refused = await rejection(client.query("closing-a"));
    expect(isPkgIndexClientError(refused, "PKGI_CLIENT_CLOSED")).toBe(true);
    await Promise.all([owed, closed]);
    expect(order).toEqual(["index true", "closed"]);
    expect(client.connected).toBe(false);
  });

  it("spreads a pool's requests over its connections", async () => {
    const pool = createPool({ port: server.port, size: 4 });
    try {
      await pool.connect();
      expect(pool.clients.every((c: Client) => c.connected)).toBe(true);
      expect(await pool.index("pooled")).toBe(true);
      const replies = await Promise.all(Array.from({ length: 400 }, (_, i) => (i % 2 === 0 ? pool.query("pooled") : pool.query("unpooled"))));
      expect(replies).toEqual(Array.from({ length: 400 }, (_, i) => i % 2 === 0));
      // 401 requests in all, each to the least busy connection: 101 + 100 + 100 + 100.
      expect(pool.clients.map((c: Client) => c.requestsSent).toSorted((x, y) => x - y)).toEqual([100, 100, 100, 101]);
      expect(pool.inFlight).toBe(0);
    } finally {
      await pool.close();
    }
  });
});

describe("client and a server with a short --max-line-bytes", () => {
  it("rejects with PKGI_CLIENT_PROTOCOL_ERROR on an ERROR reply, then reconnects for the next request", async () => {
    const server = await startRealServer({ args: ["--max-line-bytes", "64"] });
    const client = createClient({ port: server.port, reconnect: { retries: 0 } });
    try {
      expect(await client.index("short")).toBe(true);
      const err = await rejection(client.index("long", ["d".repeat(200)]));
      expect(isPkgIndexClientError(err, "PKGI_CLIENT_PROTOCOL_ERROR")).toBe(true);
      expect((err as Error).message).toContain("INDEX|long|ddd");
      // The server closes a connection after a line over its limit.
      if (client.connected) await once(client, "close");
      expect(await client.query("short")).toBe(true);
    } finally {
      await client.close();
      await server.stop();
    }
  });
});

describe("reconnect", () => {
  it("after the server restarts on the same port, the next request succeeds after backoff", async () => {
    const first = await startRealServer();
    const port = first.port;
    const client = createClient({ port, timeoutMs: 30_000, reconnect: { retries: 1000, minDelayMs: 5, maxDelayMs: 50 } });
    const retries: number[] = [];
    client.on("reconnecting", (e) => retries.push(e.attempt));
    let second: RealServer | undefined;
    try {
      expect(await client.index("before-restart")).toBe(true);
      const dropped = once(client, "close");
      expect(await first.stop()).toBe(0);
      await dropped;

      const firstRetry = once(client, "reconnecting");
      const next = client.index("after-restart");
      const [event] = await firstRetry; // the server is down: the first attempt failed
      expect((event.error as NodeJS.ErrnoException).code).toBe("ECONNREFUSED");
      expect(event.delayMs).toBeGreaterThanOrEqual(2);
      expect(event.delayMs).toBeLessThanOrEqual(5);

      second = await startRealServer({ port });
      expect(await next).toBe(true);
      expect(client.connected).toBe(true);
      expect(retries[0]).toBe(1);
      // A memory store starts empty: this is the new server.
      expect(await client.query("before-restart")).toBe(false);
    } finally {
      await client.close();
      await second?.stop();
    }
  });
});
