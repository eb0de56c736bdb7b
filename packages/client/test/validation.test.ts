import * as fc from "fast-check";
import { createLineShape, scanLine } from "@pkgindex/protocol";
import { describe, expect, it } from "vitest";
import { backoffDelay } from "../src/backoff.ts";
import { createClient, createPool, nameProblem, PkgIndexClientError, type ClientErrorCode } from "../src/index.ts";

function thrown(fn: () => unknown): PkgIndexClientError {
  let caught: unknown = null;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(PkgIndexClientError);
  return caught as PkgIndexClientError;
}

async function rejectsWith(promise: Promise<unknown>, code: ClientErrorCode): Promise<PkgIndexClientError> {
  const caught = await promise.then(
    () => null,
    (err: unknown) => err,
  );
  expect(caught).toBeInstanceOf(PkgIndexClientError);
  expect((caught as PkgIndexClientError).code).toBe(code);
  return caught as PkgIndexClientError;
}

const alwaysLow = (): number => 0;
const alwaysHigh = (): number => 1;

describe("names are checked before anything is sent", () => {
  // Port 1: nothing listens there, so any attempt to connect would show up
  // as a reconnecting event or a PKGI_CLIENT_CONNECT_FAILED instead.
  const client = createClient({ port: 1, reconnect: { retries: 0 } });
  let attempts = 0;
  client.on("reconnecting", () => attempts++);

  it.each([
    ["", "at least 1 byte"],
    ["has space", "character 3 is U+0020"],
    ["tab\t", "U+0009"],
    ["caf\u00e9", "U+00E9"],
    ["a|b", "may not contain |"],
    ["a,b", "may not contain ,"],
    ["x".repeat(256), "at most 255 bytes"],
  ])("%j is refused with PKGI_CLIENT_INVALID_NAME", async (name, reason) => {
    for (const call of [client.index(name), client.remove(name), client.query(name), client.index("ok", ["fine", name])]) {
      const err = await rejectsWith(call, "PKGI_CLIENT_INVALID_NAME");
      expect(err.details.reason).toContain(reason);
    }
    expect(client.inFlight).toBe(0);
    expect(attempts).toBe(0);
    expect(client.requestsSent).toBe(0);
  });

  it("says which dependency is wrong", async () => {
    const err = await rejectsWith(client.index("pkg", ["ok", "not ok"]), "PKGI_CLIENT_INVALID_NAME");
    expect(err.message).toBe('invalid dependency 1 "not ok": a name is printable ASCII without spaces; character 3 is U+0020');
  });

  it("send() refuses a line with a newline (it would be two requests) and a line over maxLineBytes", async () => {
    await rejectsWith(client.send("QUERY|a|\nQUERY|b|"), "PKGI_CLIENT_INVALID_REQUEST");
    const err = await rejectsWith(client.index("big", Array.from({ length: 300 }, (_, i) => `dependency-${i}`.padEnd(250, "x"))), "PKGI_CLIENT_INVALID_REQUEST");
    expect(err.message).toContain("over maxLineBytes (65536)");
    expect(attempts).toBe(0);
  });

  it("accepts the names the protocol accepts", () => {
    for (const name of ["gtk+3", "libsigc++", "python@3.12", "@scope/pkg", "x".repeat(255), "!~"]) expect(nameProblem(name)).toBeNull();
  });

  it("agrees with the server's own parser on every string", () => {
    const shape = createLineShape();
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 300 }), fc.string({ unit: "binary-ascii", maxLength: 300 }), fc.string({ unit: "grapheme-ascii", minLength: 1, maxLength: 300 })), (name) => {
        const line = Buffer.from(`QUERY|${name}|`, "utf8");
        const serverAccepts = scanLine(line, 0, line.length, shape) === 0;
        expect(nameProblem(name) === null).toBe(serverAccepts);
      }),
      { numRuns: 2000 },
    );
  });
});

describe("options", () => {
  it.each([
    [{ port: 0 }, "port"],
    [{ port: 70000 }, "port"],
    [{ port: "8080" }, "port"],
    [{ host: "" }, "host"],
    [{ timeoutMs: -1 }, "timeoutMs"],
    [{ timeoutMs: 1.5 }, "timeoutMs"],
    [{ connectTimeoutMs: 0 }, "connectTimeoutMs"],
    [{ reconnect: { retries: -1 } }, "reconnect.retries"],
    [{ reconnect: { minDelayMs: 100, maxDelayMs: 10 } }, "reconnect.maxDelayMs"],
    [{ tls: "yes" }, "tls"],
  ])("%j throws PKGI_CLIENT_BAD_OPTION naming the option", (options, option) => {
    const err = thrown(() => createClient(options as never));
    expect(err.code).toBe("PKGI_CLIENT_BAD_OPTION");
    expect(err.details.option).toBe(option);
  });

  it("a pool checks its size", () => {
    expect(thrown(() => createPool({ size: 0 })).details.option).toBe("size");
  });

  it("fills in the defaults", () => {
    expect(createClient().options).toEqual({
      host: "127.0.0.1",
      port: 8080,
      timeoutMs: 10_000,
      connectTimeoutMs: 5_000,
      retries: 10,
      minDelayMs: 50,
      maxDelayMs: 2_000,
      maxLineBytes: 65_536,
      tls: null,
    });
  });
});

describe("backoff", () => {
  it("doubles from minDelayMs up to maxDelayMs, each delay in the upper half of its step", () => {
    expect([1, 2, 3, 4, 5, 6, 7].map((r) => backoffDelay(r, 50, 1000, alwaysHigh))).toEqual([50, 100, 200, 400, 800, 1000, 1000]);
    expect([1, 2, 3, 4, 5, 6, 7].map((r) => backoffDelay(r, 50, 1000, alwaysLow))).toEqual([25, 50, 100, 200, 400, 500, 500]);
    expect(backoffDelay(10_000, 50, 1000, alwaysHigh)).toBe(1000); // no overflow on long outages
  });
});
