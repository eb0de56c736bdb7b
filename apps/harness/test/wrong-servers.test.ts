import { afterEach, describe, expect, it, vi } from "vitest";
import { EXIT_CANNOT_RUN, EXIT_USAGE, main } from "../src/cli.ts";
import { generateDag, type HarnessOptions, runHarness } from "../src/index.ts";
import { freePort, type LineServer, startLineServer } from "@pkgindex/server-process";
import { runHarnessCli } from "./support/servers.ts";

// The harness must catch servers that break the contract, with a message
// that names what is wrong and the request and reply that showed it.

const data = generateDag({ packages: 200, seed: 1 });
const base = (port: number): HarnessOptions => ({
  host: "127.0.0.1",
  port,
  data,
  concurrency: 4,
  seed: 1,
  unluckiness: 0,
  disconnects: 0,
  pipeline: 1,
  timeoutSeconds: 10,
});

let server: LineServer | null = null;
afterEach(async () => {
  await server?.stop();
  server = null;
});

describe("the harness against wrong servers", () => {
  it("fails a server that answers OK to everything, through the CLI: exit 1, the message, the request and the reply", async () => {
    server = await startLineServer(() => "OK\n");
    const run = await runHarnessCli(["--port", String(server.port), "--packages", "200", "--seed", "1", "--unluckiness", "0", "--concurrency", "10"]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/FAIL in phase "brute-force index": acknowledged before its dependency \S+ was indexed/);
    expect(run.stdout).toMatch(/request: "INDEX\|[^"]+"\n {2}reply: {3}OK/);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it("catches the OK-to-everything server on its malformed lines first when unlucky", async () => {
    server = await startLineServer(() => "OK\n");
    const result = await runHarness({ ...base(server.port), unluckiness: 50 });
    expect(result.ok).toBe(false);
    expect(result.failure).toMatchObject({ phase: "cleanup", message: "a malformed line was not answered ERROR", reply: "OK" });
  });

  it("catches a server that lets a REMOVE through while dependents stand", async () => {
    // Correct INDEX and QUERY (from its own naive state), but REMOVE always OK.
    const indexed = new Set<string>();
    server = await startLineServer((line) => {
      const [cmd, name, deps] = line.split("|");
      if (cmd === "INDEX") {
        if (deps !== "" && deps.split(",").some((d) => !indexed.has(d))) return "FAIL\n";
        indexed.add(name);
        return "OK\n";
      }
      if (cmd === "QUERY") return indexed.has(name) ? "OK\n" : "FAIL\n";
      if (cmd === "REMOVE") {
        indexed.delete(name);
        return "OK\n";
      }
      return "ERROR\n";
    });
    const result = await runHarness(base(server.port));
    expect(result.failure?.phase).toBe("remove");
    expect(result.failure?.message).toMatch(/removed while its dependent \S+ was still indexed/);
    expect(result.failure?.request).toMatch(/^REMOVE\|/);
  });

  it("reports a server that refuses every REMOVE as making no progress", async () => {
    server = await startLineServer(() => "FAIL\n");
    const result = await runHarness(base(server.port));
    expect(result.failure?.phase).toBe("cleanup");
    expect(result.failure?.message).toMatch(/no progress: pass 1 removed nothing, 200 package\(s\) still refused.*start the server empty/);
  });

  it("reports a reply that is not OK, FAIL or ERROR", async () => {
    server = await startLineServer(() => "YES\n");
    const result = await runHarness(base(server.port));
    expect(result.failure?.message).toBe("reply is not OK, FAIL or ERROR");
    expect(result.failure?.reply).toBe('"YES"');
  });

  it("reports more replies than requests", async () => {
    server = await startLineServer(() => "OK\nOK\n");
    const result = await runHarness(base(server.port));
    expect(result.failure?.message).toBe("reply to no request (more replies than requests)");
  });

  it("reports a server that closes the connection mid-run", async () => {
    server = await startLineServer((_, n) => (n === 30 ? "CLOSE" : "OK\n"));
    const result = await runHarness({ ...base(server.port), concurrency: 1 });
    expect(result.failure?.message).toMatch(/the server closed the connection/);
  });

  it("reports a server that replies to a line cut off by a disconnect", async () => {
    // Treats end of input as end of line: answers the cut-off fragment.
    server = await startLineServer((line) => (line.startsWith("REMOVE|") ? "OK\n" : "ERROR\n"), { onCutOff: () => "OK\n" });
    const result = await runHarness({ ...base(server.port), concurrency: 1, disconnects: 100 });
    // Resets drop the fragment; a polite close gets the fragment answered.
    expect(result.failure?.message).toBe("the server replied to a line cut off by a disconnect");
    expect(result.failure?.request).toMatch(/^REMOVE\|/);
  });

  it("times out on a server that never answers", async () => {
    server = await startLineServer(() => null);
    const result = await runHarness({ ...base(server.port), timeoutSeconds: 0.2 });
    expect(result.failure?.message).toBe("no reply within 0.2s");
    expect(result.failure?.request).toMatch(/^REMOVE\|/);
  });
});

describe("the harness CLI", () => {
  it.each([
    [["--concurrency", "0"], "--concurrency must be an integer from 1 to 1000, got 0"],
    [["--concurrency", "1001"], "--concurrency must be an integer from 1 to 1000, got 1001"],
    [["--unluckiness", "101"], "--unluckiness must be a percentage from 0 to 100, got 101"],
    [["--port", "http"], "--port must be an integer from 1 to 65535"],
    [["--pipeline", "0"], "--pipeline must be an integer from 1 to 10000, got 0"],
    [["--bogus-flag"], "Unknown argument: bogus-flag"],
  ])("refuses %j with one line naming the flag and exit 2", async (args, message) => {
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      expect(await main(args)).toBe(EXIT_USAGE);
      expect(errors).toHaveBeenCalledTimes(1);
      expect(errors.mock.calls[0][0]).toBe(`pkgindex-harness: ${message}`);
    } finally {
      errors.mockRestore();
    }
  });

  it("exits 3 with one line when nothing listens (as a process: no stack trace)", async () => {
    const port = await freePort();
    const run = await runHarnessCli(["--port", String(port), "--packages", "10"]);
    expect(run.code).toBe(3);
    expect(run.stderr.trim()).toBe(`pkgindex-harness: cannot connect to 127.0.0.1:${port}: ECONNREFUSED`);
  });

  it("exits 3 naming the data file it cannot read", async () => {
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      expect(await main(["--data", "/nonexistent/deps.txt"])).toBe(EXIT_CANNOT_RUN);
      expect(errors.mock.calls).toEqual([["pkgindex-harness: cannot read data file /nonexistent/deps.txt: ENOENT"]]);
    } finally {
      errors.mockRestore();
    }
  });
});
