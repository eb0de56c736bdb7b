import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pkgindexEntry } from "./support/pkgindex-entry.ts";
import { startServer, type ServerProcess } from "./support/server-process.ts";

// The bundle when it is current, else the sources: never a stale bin.
const CLI = pkgindexEntry().file;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runClient(args: string[], stdin = ""): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, "client", ...args], { stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("exit", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

function quote(arg: string): string {
  return `'${arg.replaceAll("'", "'\\''")}'`;
}

/**
 * A command run on a pseudo-terminal, so stdin.isTTY is true in it: util-linux
 * `script` when present, else python3's pty module. Output is collected;
 * `waitFor` resolves when it satisfies a predicate (no sleeps).
 */
function onTerminal(argv: string[]) {
  const hasScript = spawnSync("script", ["--version"]).status === 0;
  const child = hasScript
    ? spawn("script", ["-qefc", argv.map(quote).join(" "), "/dev/null"], { env: { ...process.env, TERM: "xterm" } })
    : spawn("python3", ["-c", "import pty, sys; sys.exit(pty.spawn(sys.argv[1:]) >> 8)", ...argv], { env: { ...process.env, TERM: "xterm" } });
  let output = "";
  const waiters: { predicate: (out: string) => boolean; resolve: () => void }[] = [];
  child.stdout.setEncoding("utf8");
  child.stdout.on("data", (text: string) => {
    output += text;
    for (let i = waiters.length - 1; i >= 0; i--) {
      if (waiters[i].predicate(output)) {
        waiters[i].resolve();
        waiters.splice(i, 1);
      }
    }
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return {
    type: (keys: string) => child.stdin.write(keys),
    output: () => output,
    waitFor(predicate: (out: string) => boolean): Promise<void> {
      if (predicate(output)) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ predicate, resolve }));
    },
    exited,
  };
}

function count(haystack: string, needle: string): number {
  return haystack.split(needle).length - 1;
}

describe("pkgindex client", () => {
  let server: ServerProcess;
  let port: string;
  let dir: string;
  beforeAll(async () => {
    server = await startServer(["--store", "memory", "--workers", "0"]);
    port = String(server.port);
    dir = mkdtempSync(path.join(os.tmpdir(), "pkgindex-client-cli-"));
  });
  afterAll(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("sends one request from its arguments and prints the reply; OK and FAIL exit 0, ERROR exits 3", async () => {
    const steps: [string[], string, number][] = [
      [["INDEX", "openssl", "zlib,ca-certificates"], "FAIL", 0],
      [["index", "zlib"], "OK", 0], // the command in any case
      [["INDEX", "ca-certificates"], "OK", 0],
      [["INDEX", "openssl", "zlib", "ca-certificates"], "OK", 0], // dependencies as separate words
      [["QUERY", "openssl"], "OK", 0],
      [["QUERY|openssl|"], "OK", 0], // a raw protocol line
      [["REMOVE", "zlib"], "FAIL", 0],
      [["QUERY", "not a name"], "ERROR", 3],
      [["query|openssl|"], "ERROR", 3], // raw lines are sent as typed
      [["--", "QUERY", "-dash"], "FAIL", 0],
    ];
    for (const [words, reply, code] of steps) {
      const run = await runClient(["--port", port, ...words]);
      expect({ words, ...run }).toEqual({ words, code, stdout: `${reply}\n`, stderr: "" });
    }
  });

  it("says in one line that there is no server, and exits 1", async () => {
    const closed = await closedPort();
    const run = await runClient(["--port", String(closed), "QUERY", "zlib"]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toBe(
      `pkgindex: [PKGI_CLIENT_CONNECT_FAILED] cannot connect to 127.0.0.1:${closed} after 1 attempt(s): connection refused (is the server running on that port?) [ECONNREFUSED]\n`,
    );
  });

  it("refuses a bad flag in one line naming it, exit 2", async () => {
    const run = await runClient(["--port", "0", "QUERY", "zlib"]);
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
    expect(run.stderr).toContain("--port");
  });

  it("piped: sends every stdin line as is, pipelined, and prints one reply per line in order", async () => {
    const lines: string[] = [];
    const replies: string[] = [];
    for (let i = 0; i < 1000; i++) {
      // Each package depends on the previous one: all OK only in input order.
      lines.push(`INDEX|piped-${i}|${i === 0 ? "" : `piped-${i - 1}`}`);
      replies.push("OK");
      lines.push(i % 2 === 0 ? `QUERY|piped-${i}|` : `QUERY|unpiped-${i}|`);
      replies.push(i % 2 === 0 ? "OK" : "FAIL");
      lines.push(i % 5 === 0 ? "not a request" : `REMOVE|piped-${i - 1}|`);
      replies.push(i % 5 === 0 ? "ERROR" : "FAIL"); // piped-(i-1) has a dependent: piped-i
    }
    lines.push("QUERY|piped-0|\r"); // CRLF input: the \r is dropped
    replies.push("OK");
    const run = await runClient(["--port", port], lines.join("\n") + "\n");
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout.split("\n").slice(0, -1)).toEqual(replies);
  });

  it("piped, with no server: one line naming the problem, exit 1", async () => {
    const closed = await closedPort();
    const run = await runClient(["--port", String(closed)], "QUERY|a|\nQUERY|b|\n");
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
    expect(run.stderr).toContain("ECONNREFUSED");
  });

  it("on a terminal: a prompt, the reply to each typed request, history within and across sessions", async () => {
    const historyFile = path.join(dir, "history");
    const prompt = `127.0.0.1:${port}> `;
    const first = onTerminal([process.execPath, CLI, "client", "--port", port, "--history-file", historyFile]);
    await first.waitFor((out) => out.includes(prompt));
    first.type("index tty-zlib\r");
    await first.waitFor((out) => count(out, "OK\r\n") === 1);
    first.type("QUERY|tty-zlib|\r");
    await first.waitFor((out) => count(out, "OK\r\n") === 2);
    first.type("QUERY tty-nothing\r");
    await first.waitFor((out) => count(out, "FAIL\r\n") === 1);
    // Up three times: back to the first request, sent again.
    first.type("\x1b[A\x1b[A\x1b[A\r");
    await first.waitFor((out) => count(out, "OK\r\n") === 3);
    first.type("help\r");
    await first.waitFor((out) => out.includes("quit, exit, Ctrl-D"));
    first.type("\x04"); // Ctrl-D leaves
    expect(await first.exited).toBe(0);
    expect(count(first.output(), prompt)).toBeGreaterThanOrEqual(6);
    // Oldest first; the repeated request moved to the end.
    expect(readFileSync(historyFile, "utf8")).toBe("QUERY|tty-zlib|\nQUERY tty-nothing\nindex tty-zlib\nhelp\n");

    const second = onTerminal([process.execPath, CLI, "client", "--port", port, "--history-file", historyFile]);
    await second.waitFor((out) => out.includes(prompt));
    // Up twice: the last request of the first session (before `help`).
    second.type("\x1b[A\x1b[A\r");
    await second.waitFor((out) => count(out, "OK\r\n") === 1);
    expect(second.output()).toContain("index tty-zlib");
    second.type("quit\r");
    expect(await second.exited).toBe(0);
  });

  it("on a terminal: a failed request prints one line and the prompt comes back", async () => {
    const closed = await closedPort();
    const prompt = `127.0.0.1:${closed}> `;
    const session = onTerminal([process.execPath, CLI, "client", "--port", String(closed), "--history-file", ""]);
    await session.waitFor((out) => out.includes(prompt));
    session.type("QUERY zlib\r");
    await session.waitFor((out) => out.includes("ECONNREFUSED") && count(out, prompt) === 2);
    session.type("\x03"); // Ctrl-C leaves too
    expect(await session.exited).toBe(0);
  });
});
