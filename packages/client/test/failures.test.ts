import { once } from "node:events";
import { describe, expect, it } from "vitest";
import { createClient, isPkgIndexClientError, PkgIndexClientError, type ClientErrorCode } from "../src/index.ts";
import { closedPort, startFakeServer } from "./fake-server.ts";

/** Awaits `promise`, which must reject with a client error of `code`, and returns that error. */
async function expectCode(promise: Promise<unknown>, code: ClientErrorCode): Promise<PkgIndexClientError> {
  const caught = await promise.then(
    () => null,
    (err: unknown) => err,
  );
  expect(caught).toBeInstanceOf(PkgIndexClientError);
  expect((caught as PkgIndexClientError).code).toBe(code);
  return caught as PkgIndexClientError;
}

describe("timeouts", () => {
  it("a server that never replies: the oldest request times out, the ones behind it on that connection reject as closed", async () => {
    const silent = await startFakeServer(() => {});
    const client = createClient({ port: silent.port, timeoutMs: 150, reconnect: { retries: 0 } });
    try {
      const started = performance.now();
      const first = expectCode(client.query("a"), "PKGI_CLIENT_TIMEOUT");
      const second = expectCode(client.query("b"), "PKGI_CLIENT_CONNECTION_CLOSED");
      const sockets = await silent.connections(1);
      const serverSideClosed = once(sockets[0], "close");
      const timedOut = await first;
      expect(performance.now() - started).toBeGreaterThanOrEqual(145);
      expect(timedOut.details).toMatchObject({ request: '"QUERY|a|"', timeoutMs: 150 });
      expect(timedOut.message).toBe(`no reply to "QUERY|a|" from 127.0.0.1:${silent.port} within 150 ms`);
      expect((await second).details.reason).toContain("took over 150 ms");
      await serverSideClosed; // the client gave the connection up
      expect(silent.received[0]).toEqual(["QUERY|a|", "QUERY|b|"]);
      expect(client.inFlight).toBe(0);
    } finally {
      client.destroy();
      await silent.close();
    }
  });

  it("a request waiting for a connection that never comes times out too, unsent", async () => {
    const port = await closedPort();
    const client = createClient({ port, timeoutMs: 100, reconnect: { retries: 1_000_000, minDelayMs: 10, maxDelayMs: 20 } });
    try {
      const err = await expectCode(client.query("a"), "PKGI_CLIENT_TIMEOUT");
      expect(err.details.request).toBe('"QUERY|a|"');
      expect(client.inFlight).toBe(0);
    } finally {
      client.destroy();
    }
  });
});

describe("connection failures", () => {
  it("requests in flight when the connection drops reject with PKGI_CLIENT_CONNECTION_CLOSED and are never re-sent", async () => {
    const server = await startFakeServer((socket, line, connection) => {
      if (connection === 0) socket.destroy(); // hang up on the first connection
      else socket.write(line === "QUERY|c|" ? "OK\n" : "FAIL\n");
    });
    const client = createClient({ port: server.port, reconnect: { retries: 0 } });
    try {
      const a = expectCode(client.query("a"), "PKGI_CLIENT_CONNECTION_CLOSED");
      const b = expectCode(client.index("b"), "PKGI_CLIENT_CONNECTION_CLOSED");
      const closed = once(client, "close");
      expect((await a).message).toMatch(/^connection to 127\.0\.0\.1:\d+ closed before the reply to "QUERY\|a\|": /);
      expect((await b).details.request).toBe('"INDEX|b|"');
      await closed;
      // The next request opens a new connection; the dropped ones do not ride along.
      expect(await client.query("c")).toBe(true);
      expect(server.received[1]).toEqual(["QUERY|c|"]);
    } finally {
      await client.close();
      await server.close();
    }
  });

  it("no server: retries with backoff, then rejects every queued request with PKGI_CLIENT_CONNECT_FAILED", async () => {
    const port = await closedPort();
    const client = createClient({ port, reconnect: { retries: 3, minDelayMs: 4, maxDelayMs: 10 } });
    const delays: number[] = [];
    client.on("reconnecting", (e) => delays.push(e.delayMs));
    const a = expectCode(client.query("a"), "PKGI_CLIENT_CONNECT_FAILED");
    const b = expectCode(client.remove("b"), "PKGI_CLIENT_CONNECT_FAILED");
    const err = await a;
    await b;
    expect(err.message).toBe(`cannot connect to 127.0.0.1:${port} after 4 attempt(s): connection refused (is the server running on that port?) [ECONNREFUSED]`);
    expect((err.cause as NodeJS.ErrnoException).code).toBe("ECONNREFUSED");
    // Doubling from 4 ms, capped at 10, each in the upper half of its step.
    expect(delays).toHaveLength(3);
    expect(delays[0]).toBeGreaterThanOrEqual(2);
    expect(delays[0]).toBeLessThanOrEqual(4);
    expect(delays[1]).toBeGreaterThanOrEqual(4);
    expect(delays[1]).toBeLessThanOrEqual(8);
    expect(delays[2]).toBeGreaterThanOrEqual(5);
    expect(delays[2]).toBeLessThanOrEqual(10);
    await expectCode(client.connect(), "PKGI_CLIENT_CONNECT_FAILED");
    await client.close();
  });

  it("destroy() rejects what is owed with PKGI_CLIENT_CLOSED", async () => {
    const silent = await startFakeServer(() => {});
    const client = createClient({ port: silent.port });
    await client.connect();
    const owed = expectCode(client.query("a"), "PKGI_CLIENT_CLOSED");
    client.destroy();
    expect((await owed).message).toBe('the client was closed before "QUERY|a|" was answered');
    expect(client.inFlight).toBe(0);
    expect(client.connected).toBe(false);
    await client.close(); // resolves: nothing is left
    await silent.close();
  });
});

describe("replies the client does not expect", () => {
  it("ERROR to a typed request rejects with PKGI_CLIENT_PROTOCOL_ERROR; send() returns it as a reply", async () => {
    const server = await startFakeServer((socket) => socket.write("ERROR\n"));
    const client = createClient({ port: server.port });
    try {
      const err = await expectCode(client.index("a", ["b", "c"]), "PKGI_CLIENT_PROTOCOL_ERROR");
      expect(err.message).toBe(`127.0.0.1:${server.port} answered ERROR to "INDEX|a|b,c"`);
      expect(await client.send("anything")).toBe("ERROR");
      expect(client.connected).toBe(true);
    } finally {
      await client.close();
      await server.close();
    }
  });

  it("a reply that is not OK, FAIL or ERROR ends the connection with PKGI_CLIENT_BAD_REPLY", async () => {
    const server = await startFakeServer((socket) => socket.write("HELLO\n"));
    const client = createClient({ port: server.port, reconnect: { retries: 0 } });
    try {
      const a = expectCode(client.query("a"), "PKGI_CLIENT_BAD_REPLY");
      const b = expectCode(client.query("b"), "PKGI_CLIENT_CONNECTION_CLOSED");
      expect((await a).details.reply).toBe('"HELLO"');
      expect((await b).details.reason).toContain("HELLO");
    } finally {
      client.destroy();
      await server.close();
    }
  });

  it("a reply nobody asked for ends the connection", async () => {
    const server = await startFakeServer(() => {});
    const client = createClient({ port: server.port });
    try {
      await client.connect();
      const [socket] = await server.connections(1);
      const closed = once(client, "close");
      socket.write("OK\n");
      const [{ reason }] = await closed;
      expect(reason).toContain('"OK"');
    } finally {
      client.destroy();
      await server.close();
    }
  });

  it("replies split across TCP segments and several replies in one segment are both matched in order", async () => {
    let pending = 0;
    const server = await startFakeServer((socket) => {
      // Answer four requests at once, cut mid-reply, in separate writes.
      if (++pending < 4) return;
      socket.write("O");
      setImmediate(() => socket.write("K\nFA"));
      setImmediate(() => setImmediate(() => socket.write("IL\r\nERR")));
      setImmediate(() => setImmediate(() => setImmediate(() => socket.write("OR\nOK\n"))));
    });
    const client = createClient({ port: server.port });
    try {
      expect(await Promise.all([client.query("a"), client.query("b"), client.send("c"), client.send("d")])).toEqual([true, false, "ERROR", "OK"]);
    } finally {
      await client.close();
      await server.close();
    }
  });
});

describe("isPkgIndexClientError", () => {
  it("tells the client's errors apart, by code when asked", () => {
    const err = new PkgIndexClientError("PKGI_CLIENT_TIMEOUT", { request: "x", address: "h:1", timeoutMs: 5 });
    expect(isPkgIndexClientError(err)).toBe(true);
    expect(isPkgIndexClientError(err, "PKGI_CLIENT_TIMEOUT")).toBe(true);
    expect(isPkgIndexClientError(err, "PKGI_CLIENT_CLOSED")).toBe(false);
    expect(isPkgIndexClientError(new Error("x"))).toBe(false);
  });
});
