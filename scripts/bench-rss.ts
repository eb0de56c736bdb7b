// Memory per package (DESIGN.md §4): RSS of each server after indexing
// 200,000 packages with 5 dependencies each, beside goref's.
//
//   node scripts/bench-rss.ts [--packages 200000] [--modes 0,1,3]
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import net from "node:net";
import { parseArgs } from "node:util";
import { SERVER as BUNDLE } from "./support.ts";

const { values } = parseArgs({
  options: { packages: { type: "string", default: "200000" }, modes: { type: "string", default: "0,1,3" } },
});
const count = Number(values.packages);

function rssKiB(pid: number, field = "VmRSS"): number {
  return Number(new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]);
}

async function connect(port: number): Promise<net.Socket> {
  for (let i = 0; i < 200; i++) {
    const socket = await new Promise<net.Socket | null>((resolve) => {
      const s = net.connect(port, "127.0.0.1", () => resolve(s));
      s.on("error", () => resolve(null));
    });
    if (socket) return socket;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("server never listened");
}

/** Package i depends on five earlier ones; names are Homebrew-like in length. */
function line(i: number): string {
  const deps: string[] = [];
  if (i >= 5) for (const k of [1, 2, 3, 5, 8]) deps.push(`lib-package-${Math.max(0, i - k * 7 - (i % 13))}`);
  return `INDEX|lib-package-${i}|${[...new Set(deps)].join(",")}\n`;
}

async function fill(port: number): Promise<number> {
  const s = await connect(port);
  let ok = 0;
  let replies = 0;
  let carry = "";
  const CHUNK = 2000;
  for (let from = 0; from < count; from += CHUNK) {
    const to = Math.min(count, from + CHUNK);
    let text = "";
    for (let i = from; i < to; i++) text += line(i);
    const want = to;
    await new Promise<void>((resolve) => {
      const onData = (d: Buffer) => {
        const parts = (carry + d.toString("latin1")).split("\n");
        carry = parts.pop()!;
        for (const p of parts) {
          replies++;
          if (p === "OK") ok++;
        }
        if (replies >= want) {
          s.off("data", onData);
          resolve();
        }
      };
      s.on("data", onData);
      s.write(text);
    });
  }
  s.destroy();
  return ok;
}

const mib = (k: number) => +(k / 1024).toFixed(1);

async function measure(label: string, child: ChildProcess, port: number): Promise<void> {
  const base = await (async () => {
    await connect(port).then((s) => s.destroy());
    return rssKiB(child.pid!);
  })();
  const ok = await fill(port);
  const rss = rssKiB(child.pid!);
  process.stdout.write(
    JSON.stringify({
      label,
      packages: count,
      ok,
      rssBeforeMiB: mib(base),
      rssAfterMiB: mib(rss),
      // File-backed pages are mostly the node binary's own code, mapped and
      // shared; anonymous pages are what the process allocated.
      rssAnonAfterMiB: mib(rssKiB(child.pid!, "RssAnon")),
      rssFileAfterMiB: mib(rssKiB(child.pid!, "RssFile")),
    }) + "\n",
  );
  child.kill("SIGTERM");
  await new Promise((r) => child.once("exit", r));
}

let port = 23000 + Math.floor(Math.random() * 1000);
port++;
await measure("goref", spawn("/tmp/goref", ["-addr", `127.0.0.1:${port}`], { stdio: "ignore" }), port);
for (const w of values.modes.split(",")) {
  port++;
  const child = spawn(process.execPath, [BUNDLE, "serve", "--host", "127.0.0.1", "--port", String(port), "--workers", w, "--store", "memory", "--log-level", "warn"], { stdio: "ignore" });
  await measure(`pkgindex-w${w}`, child, port);
}
