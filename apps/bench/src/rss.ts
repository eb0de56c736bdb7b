import { readFileSync } from "node:fs";
import { connect } from "@pkgindex/harness";
import { startShellServer } from "@pkgindex/server-process";
import { generatedDeps, generatedName } from "./generated-index.ts";
import { markdownTable } from "./report.ts";
import { startPkgindex } from "./server.ts";
import { spread } from "./stats.ts";

export interface RssRow {
  label: string;
  round: number;
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
async function measure(label: string, round: number, pid: number, port: number, count: number): Promise<RssRow> {
  const before = statusKiB(pid, "VmRSS");
  const ok = await fill(port, count);
  return {
    label,
    round,
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
export async function runRss(o: { packages: number; modes: number[]; goref: string; rounds: number; log: (row: RssRow) => void }): Promise<RssRow[]> {
  const rows: RssRow[] = [];
  // Every server started afresh each round, in the same order, so a round's spread is the servers' own.
  for (let round = 1; round <= o.rounds; round++) {
    const goref = await startShellServer("goref", `${o.goref} -addr 127.0.0.1:{port}`);
    try {
      rows.push(await measure("goref", round, goref.pid, goref.port, o.packages));
      o.log(rows.at(-1)!);
    } finally {
      await goref.stop();
    }
    for (const w of o.modes) {
      const server = await startPkgindex(["--admin-port", "0", "--workers", String(w), "--store", "memory"]);
      try {
        rows.push(await measure(`pkgindex-w${w}`, round, server.child.pid!, server.port, o.packages));
        o.log(rows.at(-1)!);
      } finally {
        await server.stop();
      }
    }
  }
  return rows;
}

/** The median of the rounds, then their min–max when there are several. */
function mibCell(values: number[]): string {
  const s = spread(values);
  return s.n > 1 ? `${s.median.toFixed(1)} MiB (${s.min.toFixed(1)}–${s.max.toFixed(1)})` : `${s.median.toFixed(1)} MiB`;
}

/** One row per server over its rounds. */
export function rssTable(rows: readonly RssRow[]): string {
  const labels = [...new Set(rows.map((r) => r.label))];
  return markdownTable(
    ["server", "RSS before", "RSS after", "anonymous after", "file-backed after"],
    labels.map((label) => {
      const mine = rows.filter((r) => r.label === label);
      return [label, mibCell(mine.map((r) => r.rssBeforeMiB)), mibCell(mine.map((r) => r.rssAfterMiB)), mibCell(mine.map((r) => r.rssAnonAfterMiB)), mibCell(mine.map((r) => r.rssFileAfterMiB))];
    }),
  );
}
