import { spawn } from "node:child_process";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, startLoggingServer } from "@pkgindex/server-process";
import { removeTempDirs, tempDir } from "./support/index-files.ts";
import { readmeCommands, shellWords, type ReadmeCommand } from "./support/readme-commands.ts";
import { REPO_ROOT, runCli, startServer, type ServerProcess } from "./support/server-process.ts";

// Every command line the READMEs show is run here, in document order, or,
// where running it is not possible on this machine or would not end, checked
// as far as it can be: pkgindex lines run for real (servers on free ports,
// then stopped), bench and harness lines are parsed with their --dry-run,
// nc/curl lines run against a live server, HAProxy lines run `haproxy -c`.
// A line none of the rules below knows fails the test: a new example
// must be taught here before it is published.

const READMES = ["README.md", "docker/README.md", ...readdirSync(path.join(REPO_ROOT, "apps")).map((a) => `apps/${a}/README.md`)].filter((f) =>
  existsSync(path.join(REPO_ROOT, f)),
);
const COMMANDS: ReadmeCommand[] = READMES.flatMap((f) => readmeCommands(path.join(REPO_ROOT, f)));
const BUNDLES = {
  pkgindex: path.join(REPO_ROOT, "apps/server/dist/pkgindex.js"),
  bench: path.join(REPO_ROOT, "apps/bench/dist/cli.js"),
  harness: path.join(REPO_ROOT, "apps/harness/dist/cli.js"),
};
const BIN = path.join(REPO_ROOT, "node_modules/.bin/pkgindex");
const ROOT_PACKAGE = JSON.parse(readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")) as { packageManager: string; scripts: Record<string, string> };
const PNPM = ROOT_PACKAGE.packageManager.replace("pnpm@", "");

/** Launchers of pkgindex, the bench and the harness as the READMEs write them (longest first). */
const LAUNCHERS: [RegExp, keyof typeof BUNDLES][] = [
  [/^\.\/node_modules\/\.bin\/pkgindex(?=\s|$)/, "pkgindex"],
  [/^(?:\.\/node_modules\/node\/bin\/)?node (?:apps\/server\/)?dist\/pkgindex\.js(?=\s|$)/, "pkgindex"],
  [/^(?:\.\/node_modules\/node\/bin\/)?node apps\/(bench)\/(?:dist\/cli\.js|src\/bin\.ts)(?=\s|$)/, "bench"],
  [/^(?:\.\/node_modules\/node\/bin\/)?node apps\/(harness)\/(?:dist\/cli\.js|src\/bin\.ts)(?=\s|$)/, "harness"],
  [/^(?:npx (?:-y )?)?pnpm(?:@[\d.]+)? (?:--silent )?bench(?=\s|$)/, "bench"],
  [/^(?:npx (?:-y )?)?pnpm(?:@[\d.]+)? (?:--silent )?harness(?=\s|$)/, "harness"],
];

let server: ServerProcess;
/** A second live server with the change feed on, past revision 42 (the README's `since=42`). */
let feedServer: ServerProcess;
let feedPort: number;
let work: string;

/** The README's example ports and names, pointed at this test's server. */
function localize(text: string): string {
  return text
    .replaceAll("host.docker.internal", "127.0.0.1")
    .replace(/\b8080\b/g, String(server.port))
    .replace(/\b9090\b/g, String(server.adminPort))
    .replace(/\b9091\b/g, String(feedPort));
}

/** Runs a shell line to completion (no server of its own: those are started with startLoggingServer). */
function runShell(command: string, cwd: string, env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn("/bin/sh", ["-c", command], { cwd, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** What running or checking a line came to, and what it had to come to. */
interface Verdict {
  actual: unknown;
  expected: unknown;
}

const same = (value: unknown): Verdict => ({ actual: value, expected: value });

/** `pkgindex serve …` as the README writes it: started on free ports in the work directory, then stopped (exit 0). */
async function serveAsWritten(words: string[]): Promise<Verdict> {
  const args = words.filter((w) => w !== "[flags]");
  const env = { PKGINDEX_HOST: "127.0.0.1", PKGINDEX_PORT: String(await freePort()), PKGINDEX_ADMIN_PORT: String(await freePort()), PKGINDEX_DATA_DIR: tempDir("pkgindex-readme-serve-") };
  const started = await startLoggingServer(BUNDLES.pkgindex, ["serve", ...args], { env, cwd: work });
  return { actual: { args, code: await started.stop() }, expected: { args, code: 0 } };
}

/** A pkgindex line (maybe inside a pipeline): run for real with the installed bin, in the work directory. */
async function runPkgindexLine(command: string, launcher: RegExp): Promise<Verdict> {
  // A server put in the background (`… serve … &`) is started and stopped like any other.
  const words = shellWords(command.replace(launcher, "").replace(/\s+&$/, "").trim());
  if (words[0] === "serve" && !command.includes("|")) return serveAsWritten(words.slice(1));
  if (words[0] === "watch") return followFeed(localize(command.replace(launcher, BIN)), /"rev":1\b/);
  const line = localize(command.replaceAll("./node_modules/.bin/pkgindex", BIN).replace(launcher, BIN));
  const run = await runShell(line, work, { PKGINDEX_PORT: String(server.port), PKGINDEX_ADMIN_PORT: String(server.adminPort) });
  return { actual: { line, code: run.code, stderr: run.stderr }, expected: { line, code: 0, stderr: "" } };
}

/**
 * A line that follows the change feed: some end by themselves (normal,
 * longpoll after changes, snapshot), others stream until stopped
 * (continuous, eventsource, watch) and are stopped after 2 s. Either way
 * the output must hold what the README says it shows.
 */
async function followFeed(line: string, shows: RegExp): Promise<Verdict> {
  const run = await runShell(`timeout 2 ${line}`, work);
  // 124: timeout stopped a line that streams; 0: one that ended by itself.
  return { actual: { line, stopped: run.code === 0 || run.code === 124, shows: shows.test(run.stdout) }, expected: { line, stopped: true, shows: true } };
}

/** A bench or harness line: parsed by the real CLI (--dry-run), which must accept it and echo the options. */
async function parseToolLine(text: string, launcher: RegExp, tool: "bench" | "harness"): Promise<Verdict> {
  const words = shellWords(
    text
      .replace(launcher, "")
      .replace(/\s*(?:>>?|<)\s*\S+\s*$/, "") // a redirection is the shell's, not the tool's
      .replace(/\$\([^)]*\)/g, "12345") // a pid from $(pgrep …)
      .replace(/\bh1:p1,h2:p2\b/, "127.0.0.1:8080,127.0.0.1:8081")
      .replace(/--host H\b/, "--host 127.0.0.1")
      .replace(/--port P\b/, "--port 8080"),
  );
  const run = await runCli([...words, "--dry-run"], {}, BUNDLES[tool]);
  let options: Record<string, unknown> = {};
  try {
    options = JSON.parse(run.stdout) as Record<string, unknown>;
  } catch {
    // not JSON: the verdict shows the stdout
  }
  // The value of each `--flag value` pair as given (a command-line value included) is what the CLI parsed.
  const given = Object.fromEntries(
    words.flatMap((w, i) => (w.startsWith("--") && i + 1 < words.length && !words[i + 1].startsWith("--") ? [[w.slice(2), words[i + 1]]] : [])),
  );
  const parsed = Object.fromEntries(Object.keys(given).map((k) => [k, options[k] === undefined ? run.stdout : String(options[k])]));
  return { actual: { words, code: run.code, stderr: run.stderr, parsed }, expected: { words, code: 0, stderr: "", parsed: given } };
}

/** `docker …`: no Docker engine here; files the line names must exist, and arguments after the image name run as pkgindex's own (ENTRYPOINT). */
async function dockerLine(text: string): Promise<Verdict> {
  const words = shellWords(text);
  const file = words.includes("-f") ? words[words.indexOf("-f") + 1] : undefined;
  const named = { subcommand: words[1], file, exists: file === undefined || existsSync(path.join(REPO_ROOT, file)) };
  if (words[1] !== "run") return { actual: named, expected: { ...named, subcommand: ["build", "volume", "compose"].includes(words[1]) ? words[1] : "build, volume or compose", exists: true } };
  const after = words.slice(words.lastIndexOf("pkgindex") + 1);
  const args = after.includes(">") ? after.slice(0, after.indexOf(">")) : after;
  if (args.length === 0 || args[0] === "serve") return serveAsWritten(args.slice(1));
  const run = await runCli(shellWords(localize(args.join(" "))), { PKGINDEX_ADMIN_PORT: String(server.adminPort) }, BUNDLES.pkgindex);
  return { actual: { args, code: run.code, stderr: run.stderr }, expected: { args, code: 0, stderr: "" } };
}

async function verdict(c: ReadmeCommand): Promise<Verdict> {
  const text = c.command;
  if (text.startsWith("<command>|")) return same("the protocol's grammar, not a command");

  const setup = /^npx (?:-y )?pnpm@([\d.]+) (install|build|test|start)(?: && npx (?:-y )?pnpm@([\d.]+) (start|test))?$/.exec(text);
  if (setup !== null) {
    // Not run: `test` would run this suite inside itself, `start` never ends,
    // and `install` is what set this checkout up. Checked: the pnpm is the
    // pinned one and every script exists.
    const scripts = [setup[2], setup[4]].filter((x): x is string => x !== undefined && x !== "install");
    return {
      actual: { pnpm: [setup[1], setup[3] ?? PNPM], scripts: scripts.filter((x) => ROOT_PACKAGE.scripts[x] !== undefined) },
      expected: { pnpm: [PNPM, PNPM], scripts },
    };
  }

  for (const [launcher, tool] of LAUNCHERS) {
    if (tool === "pkgindex" && (launcher.test(text) || text.includes("| ./node_modules/.bin/pkgindex"))) return runPkgindexLine(text, launcher);
    if (tool !== "pkgindex" && launcher.test(text)) return parseToolLine(text, launcher, tool);
  }
  if (text.startsWith("docker ")) return dockerLine(text);

  if (text.endsWith("| nc -N localhost 8080")) {
    const run = await runShell(localize(text), work);
    return { actual: { code: run.code, stdout: run.stdout }, expected: { code: 0, stdout: "OK\nOK\n" } };
  }
  if (/^curl (?:-N )?'http:\/\/127\.0\.0\.1:9091\//.test(text)) {
    // since=0 and snapshot show revision 1 onwards; since=42 the change after it.
    const shows = text.includes("/v1/snapshot") ? /"revision":50\b/ : text.includes("since=42") ? /"rev":43\b/ : /"rev":1\b/;
    return followFeed(localize(text.replace(/\s+#.*$/, "")), shows);
  }
  if (text.startsWith("curl -s localhost:9090/")) {
    const run = await runShell(localize(text), work);
    return { actual: { code: run.code, readyz: run.stdout.includes("readyz") }, expected: { code: 0, readyz: true } };
  }
  if (text === "docker/check-haproxy-config.sh") {
    const run = await runShell(text, REPO_ROOT);
    return { actual: { code: run.code, tail: run.stdout.trim().split("\n").at(-1) }, expected: { code: 0, tail: "check-haproxy-config: ok" } };
  }
  if (text.endsWith(" haproxy -db -f docker/haproxy.cfg")) {
    // Started as written it would run until stopped: its configuration check instead.
    const run = await runShell(text.replace("haproxy -db", "haproxy -c"), REPO_ROOT);
    return { actual: { code: run.code, valid: run.stdout.includes("Configuration file is valid") }, expected: { code: 0, valid: true } };
  }
  return { actual: text, expected: `${c.file}:${c.line}: a README command that cli-readme-commands.test.ts has a rule for` };
}

beforeAll(async () => {
  server = await startServer(["--workers", "0", "--data-dir", tempDir("pkgindex-readme-live-")], {}, { admin: true });
  feedPort = await freePort();
  feedServer = await startServer(["--workers", "0", "--store", "memory", "--feed-port", String(feedPort)]);
  const lines = Array.from({ length: 50 }, (_, i) => `INDEX|readme-${i}|\n`).join("");
  const indexed = await runShell(`printf '${lines}' | nc -N 127.0.0.1 ${feedServer.port}`, REPO_ROOT);
  expect(indexed.stdout).toBe("OK\n".repeat(50));
  work = tempDir("pkgindex-readme-work-");
  // The README's dump/load lines work on ./data of a stopped server.
  const loaded = await runCli(["load", path.join(REPO_ROOT, "../shared/data/brew-dependencies.txt"), "--create-missing", "--data-dir", path.join(work, "data")], {}, BUNDLES.pkgindex);
  expect(loaded.code).toBe(0);
});

afterAll(async () => {
  expect(await server.stop()).toBe(0);
  expect(await feedServer.stop()).toBe(0);
  removeTempDirs();
});

describe("every command line of the READMEs", () => {
  it("finds the READMEs' command lines", () => {
    expect(READMES).toEqual(expect.arrayContaining(["README.md", "docker/README.md", "apps/bench/README.md", "apps/harness/README.md"]));
    expect(COMMANDS.length).toBeGreaterThan(30);
  });

  it.each(COMMANDS.map((c) => [`${path.relative(REPO_ROOT, c.file)}:${c.line}`, c] as const))("%s", async (_, c) => {
    const { actual, expected } = await verdict(c);
    expect(actual).toEqual(expected);
  });
});
