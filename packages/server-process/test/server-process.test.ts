import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { freePort, runToCompletion, ServerStartError, spawnLogging, startLineServer, startLoggingServer, startShellServer } from "../src/index.ts";

const FIXTURE = path.resolve(fileURLToPath(import.meta.url), "../fixtures/logging-server.mjs");

function firstReply(port: number, line = ""): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: "127.0.0.1", port }, () => s.write(line));
    let got = "";
    s.setEncoding("latin1");
    s.on("data", (d: string) => {
      got += d;
      if (got.includes("\n")) {
        s.destroy();
        resolve(got.slice(0, got.indexOf("\n")));
      }
    });
    s.once("error", reject);
  });
}

const stops: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await Promise.all(stops.splice(0).map((stop) => stop()));
});

describe("startLoggingServer", () => {
  it("resolves at the listening line with the port it bound (not the admin line's), keeping every log line and the env", async () => {
    const server = await startLoggingServer(FIXTURE, [], { env: { FIXTURE_ENV: "set" } });
    stops.push(() => server.stop());
    expect(server.port).not.toBe(1);
    expect(await firstReply(server.port)).toBe("OK");
    expect(server.logs.map((l) => l.msg)).toEqual(["admin listening", "listening"]);
    expect(server.logs[1].env).toBe("set");
    expect(await server.stop()).toBe(0);
  });

  it("rejects with the exit code and stderr when the child ends before listening", async () => {
    await expect(startLoggingServer(FIXTURE, ["fail"])).rejects.toThrow(/exited \(3\) before the expected log line; stderr: cannot start: port taken/);
  });

  it("keeps a line that is not JSON as raw", async () => {
    const spawned = spawnLogging(FIXTURE, ["fail"]);
    expect(await spawned.exited).toBe(3);
    expect(spawned.logs).toEqual([{ raw: "not json" }]);
    expect(spawned.stderr()).toBe("cannot start: port taken\n");
  });
});

describe("startShellServer", () => {
  it("replaces {port} with a free port and resolves once the port accepts connections", async () => {
    const server = await startShellServer("fixture", `${process.execPath} ${FIXTURE} {port}`);
    stops.push(() => server.stop());
    expect(server.command).toBe(`${process.execPath} ${FIXTURE} ${server.port}`);
    expect(await firstReply(server.port)).toBe("OK");
  });

  it("fails with the server's last stderr line when it exits first", async () => {
    const start = startShellServer("fixture", `${process.execPath} ${FIXTURE} fail`);
    await expect(start).rejects.toBeInstanceOf(ServerStartError);
    await expect(start).rejects.toThrow("fixture exited (3) before listening: cannot start: port taken");
  });
});

describe("runToCompletion", () => {
  it("returns the exit code and all of stdout and stderr", async () => {
    expect(await runToCompletion(FIXTURE, ["fail"])).toEqual({ code: 3, signal: null, stdout: "not json\n", stderr: "cannot start: port taken\n" });
  });
});

describe("freePort", () => {
  it("gives a port that can be bound at once", async () => {
    const port = await freePort();
    const server = net.createServer();
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", resolve);
    });
    expect((server.address() as net.AddressInfo).port).toBe(port);
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
});

describe("startLineServer", () => {
  it("answers each line as scripted, counting lines, dropping one \\r before \\n", async () => {
    const seen: string[] = [];
    const server = await startLineServer((line, n) => {
      seen.push(line);
      return `${n}\n`;
    });
    stops.push(() => server.stop());
    expect(await firstReply(server.port, "a\r\nb\n")).toBe("0");
    expect(seen).toEqual(["a", "b"]);
    expect(server.lines()).toBe(2);
  });

  it("answers a line cut off by a half-close only when asked to", async () => {
    const server = await startLineServer(() => "OK\n", { onCutOff: (fragment) => `cut ${fragment}\n` });
    stops.push(() => server.stop());
    const got = await new Promise<string>((resolve, reject) => {
      const s = net.connect({ host: "127.0.0.1", port: server.port }, () => s.end("a\nb"));
      let text = "";
      s.setEncoding("latin1");
      s.on("data", (d: string) => (text += d));
      s.once("close", () => resolve(text));
      s.once("error", reject);
    });
    expect(got).toBe("OK\ncut b\n");
  });
});
