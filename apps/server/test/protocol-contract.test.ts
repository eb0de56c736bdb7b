import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LineClient } from "./support/line-client.ts";
import { MODES, startServer, type ServerProcess } from "./support/server-process.ts";

// DESIGN.md §2 over real TCP against the real CLI, in every server layout.
describe.each(MODES)("protocol contract, --workers %i", (workers) => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await startServer(["--workers", String(workers), "--store", "memory"]);
  });
  afterAll(async () => {
    expect(await server.stop()).toBe(0);
  });

  it("answers INDEX, QUERY and REMOVE per the semantics", async () => {
    const c = await LineClient.connect(server.port);
    expect(await c.send("QUERY|contract-a|")).toBe("FAIL");
    expect(await c.send("INDEX|contract-b|contract-a")).toBe("FAIL");
    expect(await c.send("INDEX|contract-a|")).toBe("OK");
    expect(await c.send("INDEX|contract-b|contract-a,contract-a")).toBe("OK");
    expect(await c.send("QUERY|contract-b|")).toBe("OK");
    expect(await c.send("REMOVE|contract-a|")).toBe("FAIL");
    expect(await c.send("INDEX|contract-a|contract-b")).toBe("FAIL");
    expect(await c.send("INDEX|contract-a|contract-a")).toBe("FAIL");
    expect(await c.send("INDEX|contract-b|missing-dep")).toBe("FAIL");
    expect(await c.send("REMOVE|contract-a|")).toBe("FAIL");
    expect(await c.send("REMOVE|contract-b|")).toBe("OK");
    expect(await c.send("REMOVE|contract-b|")).toBe("OK");
    expect(await c.send("REMOVE|contract-a|")).toBe("OK");
    expect(await c.send("QUERY|contract-a|")).toBe("FAIL");
    c.close();
  });

  it("accepts the names DESIGN.md calls names", async () => {
    const c = await LineClient.connect(server.port);
    const names = ["gtk+3", "libsigc++", "python@3.12", "@scope/pkg", "x".repeat(255)];
    for (const n of names) expect(await c.send(`INDEX|${n}|`)).toBe("OK");
    expect(await c.send(`INDEX|names-user|${names.join(",")}`)).toBe("OK");
    c.close();
  });

  it("answers ERROR to every malformed form and keeps the connection open", async () => {
    const c = await LineClient.connect(server.port);
    const malformed = [
      "INDEX|emacs=elisp",
      "INDEX|emacs+elisp",
      "INDEX|emacs☃elisp",
      "INDEX|emacs elisp",
      "BLINDEX|a|b",
      "REMOVES|a|b",
      "QUER|a|b",
      "LIZARD|a|b",
      "I|a|b",
      "",
      "INDEX||",
      "index|a|",
      "query|a|",
      "INDEX|a|b|c",
      "INDEX|a|b,,c",
      "INDEX|a|b,",
      "INDEX|a|,",
      "INDEX|a b|",
      "INDEX|a\tb|",
      "INDEX|a\u0001|",
      "INDEX|é|",
      `INDEX|${"x".repeat(256)}|`,
      "REMOVE|a|b,,c",
      "QUERY|a|,",
    ];
    const replies = await c.pipeline(malformed);
    expect(replies).toEqual(malformed.map(() => "ERROR"));
    expect(await c.send("INDEX|still-open|")).toBe("OK");
    c.close();
  });

  it("drops one CR before LF so telnet and nc -C work", async () => {
    const c = await LineClient.connect(server.port);
    c.write("INDEX|crlf-pkg|\r\nQUERY|crlf-pkg|\r\nQUERY|crlf-pkg|\r\r\n");
    await c.waitForReplies(3);
    expect(c.replies).toEqual(["OK", "OK", "ERROR"]);
    c.close();
  });

  it("shares state across connections", async () => {
    const a = await LineClient.connect(server.port);
    const b = await LineClient.connect(server.port);
    expect(await a.send("INDEX|shared-1|")).toBe("OK");
    expect(await b.send("QUERY|shared-1|")).toBe("OK");
    expect(await b.send("INDEX|shared-2|shared-1")).toBe("OK");
    expect(await a.send("REMOVE|shared-1|")).toBe("FAIL");
    a.close();
    b.close();
  });

  it("frames byte-at-a-time input", async () => {
    const c = await LineClient.connect(server.port);
    c.socket.setNoDelay(true);
    const text = "INDEX|bytewise|\nQUERY|bytewise|\nBAD\nQUERY|nope-bytewise|\n";
    for (const ch of Buffer.from(text)) {
      c.write(Buffer.from([ch]));
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    await c.waitForReplies(4);
    expect(c.replies).toEqual(["OK", "OK", "ERROR", "FAIL"]);
    c.close();
  });

  it("answers a pipelined batch of 1,000 lines with malformed ones mixed in, in order", async () => {
    const c = await LineClient.connect(server.port);
    const lines: string[] = [];
    const expected: string[] = [];
    const indexed = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      if (i % 7 === 3) {
        lines.push(`INDEX|bad name ${i}|`);
        expected.push("ERROR");
      } else if (i % 2 === 0) {
        // A chain: each package depends on the one two lines up, which may
        // have been malformed (ERROR), so the chain breaks and restarts.
        const dep = i >= 2 ? `pipe-${i - 2}` : "";
        lines.push(`INDEX|pipe-${i}|${dep}`);
        const ok = dep === "" || indexed.has(dep) || i % 14 === 0;
        if (i % 14 === 0) lines[i] = `INDEX|pipe-${i}|`;
        if (ok) indexed.add(`pipe-${i}`);
        expected.push(ok ? "OK" : "FAIL");
      } else {
        lines.push(`QUERY|pipe-${i - 1}|`);
        expected.push(indexed.has(`pipe-${i - 1}`) ? "OK" : "FAIL");
      }
    }
    expect(expected.filter((e) => e === "FAIL").length).toBeGreaterThan(10);
    expect(expected.filter((e) => e === "OK").length).toBeGreaterThan(100);
    expect(await c.pipeline(lines)).toEqual(expected);
    c.close();
  });

  it("answers ERROR to an 8 MiB line without newline, then closes; other clients are unaffected", async () => {
    const other = await LineClient.connect(server.port);
    const c = await LineClient.connect(server.port);
    c.write("INDEX|before-huge|\n");
    c.write(Buffer.alloc(8 * 1024 * 1024, 0x61));
    await c.waitForClose();
    expect(c.replies).toEqual(["OK", "ERROR"]);
    expect(await other.send("QUERY|before-huge|")).toBe("OK");
    other.close();
  });

  it("survives clients that vanish mid-line and mid-pipeline", async () => {
    for (let i = 0; i < 20; i++) {
      const c = await LineClient.connect(server.port);
      c.write(`INDEX|vanish-${i}|\nQUERY|vanish-${i}|\nINDEX|half-a-li`);
      c.socket.resetAndDestroy();
    }
    const c = await LineClient.connect(server.port);
    expect(await c.send("INDEX|after-vanish|")).toBe("OK");
    c.close();
  });
});

describe("protocol abuse", () => {
  it("is warned about once, with the client and error code, however many malformed lines come", async () => {
    const server = await startServer(["--workers", "1", "--store", "memory"]);
    const c = await LineClient.connect(server.port);
    const replies = await c.pipeline(Array.from({ length: 500 }, () => "GARBAGE"));
    expect(replies.every((r) => r === "ERROR")).toBe(true);
    const warn = await server.waitForLog((l) => l.msg === "malformed request line answered ERROR");
    expect(warn.error).toBe("PKGI_PROTO_FIELD_COUNT");
    expect(warn.client).toBe(`127.0.0.1:${c.socket.localPort}`);
    c.close();
    expect(await server.stop()).toBe(0);
    expect(server.logs.filter((l) => l.msg === "malformed request line answered ERROR")).toHaveLength(1);
  });
});
