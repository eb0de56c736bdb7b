import { readFileSync } from "node:fs";
import { connect } from "@pkgindex/harness";
import { startShellServer } from "@pkgindex/server-process";
import { generatedDeps, generatedName } from "./generated-index.ts";
import { markdownTable } from "./report.ts";
import { startPkgindex } from "./server.ts";

export interface RssRow {
  label: string;
  packages: number;
  ok: number;
  rssBeforeMiB: number;
  rssAfterMiB: number;
  rssAnonAfterMiB: number;
  rssFileAfterMiB: number;
}

function statusKiB(pid: number, field: string): number {
  return Number(new RegExp(`^${field}:\\s+(\\d+)`, "m").exec(readFileSync(`/proc/${pid}/status`, "latin1"))?.[1] ?? Number.NaN);
}

const mib = (kib: number): number => Math.round((kib / 1024) * 10) / 10;

/**
 * Indexes `count` generated packages over one connection, pipelined in
 * chunks, each chunk's replies awaited before the next; returns the OKs.
 */
async function fill(port: number, count: number): Promise<number> {
  const socket = await connect({ host: "127.0.0.1", port });
  try {
    socket.setEncoding("latin1");
    let ok = 0;
    let replies = 0;
    let carry = "";
    let want = 0;
    let done: (() => void) | null = null;
    socket.on("data", (text: string) => {
      const parts = (carry + text).split("\n");
      carry = parts.pop()!;
      for (const p of parts) {
        replies++;
        if (p === "OK") ok++;
      }
      if (replies >= want) done?.();
    });
    const CHUNK = 2000;
    for (let from = 0; from < count; from += CHUNK) {
      const to = Math.min(count, from + CHUNK);
      let text = "";
      for (let i = from; i < to; i++) text += `INDEX|${generatedName(i)}|${generatedDeps(i).join(",")}\n`;
      want = to;
      await new Promise<void>((resolve) => {
        done = resolve;
        socket.write(text);
      });
    }
    return ok;
  } finally {
    socket.destroy();
  }
}

/** RSS of a running server before and after indexing `count` packages. */
async function measure(label: string, pid: number, port: number, count: number): Promise<RssRow> {
  const before = statusKiB(pid, "VmRSS");
  const ok = await fill(port, count);
  return {
    label,
    packages: count,
    ok,
    rssBeforeMiB: mib(before),
    rssAfterMiB: mib(statusKiB(pid, "VmRSS")),
    // File-backed pages are mostly the node binary's own code, mapped and
    // shared; anonymous pages are what the process allocated.
    rssAnonAfterMiB: mib(statusKiB(pid, "RssAnon")),
    rssFileAfterMiB: mib(statusKiB(pid, "RssFile")),
  };
}

/**
 * Memory per package (DESIGN.md §4): the RSS of goref and of pkgindex
 * (memory store) in each layout after indexing `count` packages with up to
 * five dependencies each.
 */
export async function runRss(o: { packages: number; modes: number[]; goref: string; log: (row: RssRow) => void }): Promise<RssRow[]> {
  const rows: RssRow[] = [];
  const goref = await startShellServer("goref", `${o.goref} -addr 127.0.0.1:{port}`);
  try {
    rows.push(await measure("goref", goref.pid, goref.port, o.packages));
    o.log(rows.at(-1)!);
  } finally {
    await goref.stop();
  }
  for (const w of o.modes) {
    const server = await startPkgindex(["--admin-port", "0", "--workers", String(w), "--store", "memory"]);
    try {
      rows.push(await measure(`pkgindex-w${w}`, server.child.pid!, server.port, o.packages));
      o.log(rows.at(-1)!);
    } finally {
      await server.stop();
    }
  }
  return rows;
}

export function rssTable(rows: readonly RssRow[]): string {
  return markdownTable(
    ["server", "RSS before", "RSS after", "anonymous after", "file-backed after"],
    rows.map((r) => [r.label, `${r.rssBeforeMiB.toFixed(1)} MiB`, `${r.rssAfterMiB.toFixed(1)} MiB`, `${r.rssAnonAfterMiB.toFixed(1)} MiB`, `${r.rssFileAfterMiB.toFixed(1)} MiB`]),
  );
}
