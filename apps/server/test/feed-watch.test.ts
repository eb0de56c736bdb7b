import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { spawnLogging, type LoggingProcess } from "@pkgindex/server-process";
import { expectConsecutive, startWithFeed, untilFeedRevision, type Change, type FeedServerProcess } from "./support/feed-client.ts";
import { LineClient } from "./support/line-client.ts";
import { pkgindexEntry } from "./support/pkgindex-entry.ts";
import { runCli } from "./support/server-process.ts";

const dirs: string[] = [];
const running: (FeedServerProcess | LoggingProcess)[] = [];
afterEach(async () => {
  for (const p of running.splice(0)) await p.stop();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** `pkgindex watch`: its stdout lines (the changes) arrive as the process's log lines. */
function watch(args: string[]): LoggingProcess {
  const proc = spawnLogging(pkgindexEntry().file, ["watch", "--heartbeat", "0.2", ...args]);
  running.push(proc);
  return proc;
}

/** Resolves once the process's stderr matches `pattern` (it says so when it connects). */
function untilStderr(proc: LoggingProcess, pattern: RegExp): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = (): void => {
      if (!pattern.test(proc.stderr())) return;
      proc.child.stderr!.off("data", check);
      resolve();
    };
    proc.child.stderr!.on("data", check);
    void proc.exited.then((code) => reject(new Error(`watch exited (${code}); stderr: ${proc.stderr()}`)));
    check();
  });
}

function printed(proc: LoggingProcess): Change[] {
  return proc.logs.filter((l) => typeof l.rev === "number") as unknown as Change[];
}

describe.each([0, 2])("pkgindex watch, --workers %i", (workers) => {
  it("prints every change once and in order, across a server restart, resuming from its last revision", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "pkgindex-watch-"));
    dirs.push(dir);
    const args = ["--workers", String(workers), "--store", "sqlite", "--data-dir", dir];
    const first = await startWithFeed(args);
    running.push(first);
    const client = await LineClient.connect(first.port);
    expect(await client.pipeline(["INDEX|w-a|", "INDEX|w-b|w-a"])).toEqual(["OK", "OK"]);
    await untilFeedRevision(first.feedPort, 2);
    const watcher = watch(["--url", `http://127.0.0.1:${first.feedPort}`, "--since", "0"]);
    await watcher.waitForLog((l) => l.rev === 2);
    expect(await client.send("REMOVE|w-b|")).toBe("OK");
    await watcher.waitForLog((l) => l.rev === 3);
    client.close();
    expect(await first.stop()).toBe(0);
    await untilStderr(watcher, /resuming from revision 3/);

    // Same data directory, same feed port: the watcher reconnects by itself.
    const second = await startWithFeed(args, { feedPort: first.feedPort });
    running.push(second);
    const again = await LineClient.connect(second.port);
    expect(await again.pipeline(["INDEX|w-c|w-a", "REMOVE|w-a|", "INDEX|w-b|"])).toEqual(["OK", "FAIL", "OK"]);
    await watcher.waitForLog((l) => l.rev === 5);
    const changes = printed(watcher);
    expect(expectConsecutive(changes, 1)).toBeNull();
    expect(changes.map((c) => `${c.command} ${c.name}`)).toEqual(["INDEX w-a", "INDEX w-b", "REMOVE w-b", "INDEX w-c", "INDEX w-b"]);
    expect(watcher.stderr()).toMatch(/following http:\/\/127\.0\.0\.1:\d+ from revision 3\n/);
    again.close();
    expect(await watcher.stop()).toBe(0);
  });

  it("--since now prints only what comes after it started", async () => {
    const server = await startWithFeed(["--workers", String(workers), "--store", "memory"]);
    running.push(server);
    const client = await LineClient.connect(server.port);
    expect(await client.send("INDEX|old|")).toBe("OK");
    await untilFeedRevision(server.feedPort, 1);
    const watcher = watch(["--url", `http://127.0.0.1:${server.feedPort}`]);
    await untilStderr(watcher, /following http:\/\/127\.0\.0\.1:\d+ from revision 1\n/);
    expect(await client.send("INDEX|new|")).toBe("OK");
    await watcher.waitForLog((l) => l.rev === 2);
    expect(printed(watcher)).toEqual([{ rev: 2, command: "INDEX", name: "new", deps: [] }]);
    client.close();
  });
});

describe("pkgindex watch: refusals", () => {
  it("exits 3 with one line when the feed no longer holds the revision (410)", async () => {
    const server = await startWithFeed(["--workers", "0", "--store", "memory", "--feed-retention", "2"]);
    running.push(server);
    const client = await LineClient.connect(server.port);
    await client.pipeline(["INDEX|a|", "INDEX|b|", "INDEX|c|", "INDEX|d|"]);
    await untilFeedRevision(server.feedPort, 4);
    client.close();
    const run = await runCli(["watch", "--url", `http://127.0.0.1:${server.feedPort}`, "--since", "1"], {}, pkgindexEntry().file);
    expect(run.code).toBe(3);
    const lines = run.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^pkgindex: \[PKGI_FEED_GONE\] the feed at http:\/\/127\.0\.0\.1:\d+ cannot continue from revision 1: revision 1 is older than the oldest revision held \(3\)/);
    expect(run.stdout).toBe("");
  });

  it("a bad flag is one line and exit 2", async () => {
    for (const [flags, option] of [
      [["--url", "ftp://x"], "url"],
      [["--since", "-4"], "since"],
      [["--heartbeat", "0"], "heartbeat"],
    ] as const) {
      const run = await runCli(["watch", ...flags], {}, pkgindexEntry().file);
      expect(`${flags.join(" ")}: exit ${run.code}`).toBe(`${flags.join(" ")}: exit 2`);
      expect(run.stderr).toMatch(new RegExp(`^pkgindex: \\[PKGI_BAD_OPTION\\] invalid value for --${option}: .*\\n$`));
    }
  });
});

describe("pkgindex serve: feed flags", () => {
  it.each([
    [["--feed-retention", "1w"], "feed-retention", /expected a count of revisions \(10000\) or an age/],
    [["--feed-retention", "0"], "feed-retention", /expected at least 1/],
    [["--feed-port", "70000"], "feed-port", /expected a whole number from 0 to 65535/],
    [["--port", "18555", "--feed-port", "18555"], "feed-port", /18555 is already the --port; the feed needs its own port/],
    [["--feed-stall-timeout", "0"], "feed-stall-timeout", /expected more than 0 seconds/],
    [["--feed-max-buffer", "10"], "feed-max-buffer", /expected a whole number from 1024/],
  ])("%j is one line naming --%s and exit 2", async (flags, option, reason) => {
    const run = await runCli(["serve", "--store", "memory", "--admin-port", "0", ...flags], {}, pkgindexEntry().file);
    expect(run.code).toBe(2);
    const lines = run.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^pkgindex: \\[PKGI_BAD_OPTION\\] invalid value for --${option}: `));
    expect(lines[0]).toMatch(reason);
  });
});
