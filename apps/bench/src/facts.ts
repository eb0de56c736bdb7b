import { execFileSync } from "node:child_process";
import os from "node:os";
import { REPO_ROOT } from "./server.ts";

/** The machine a run was measured on: figures from different ones do not compare. */
export interface Machine {
  cpuModel: string;
  cores: number;
  kernel: string;
  node: string;
  /** 1-minute load average when the run started: other work on the machine shows here. */
  loadavg1: number;
}

/** What a reader needs to judge a figure: where, what code, when, how long. */
export interface RunFacts {
  /** `git rev-parse --short HEAD` of the checkout, `+dirty` with uncommitted changes; "unknown" outside git. */
  commit: string;
  date: string;
  machine: Machine;
  rounds: number;
  durationS: number;
  warmupS: number;
}

export function machine(): Machine {
  const cpus = os.cpus();
  return { cpuModel: cpus[0]?.model.trim() ?? "unknown", cores: cpus.length, kernel: `${os.type()} ${os.release()}`, node: process.versions.node, loadavg1: Math.round(os.loadavg()[0] * 100) / 100 };
}

function git(args: string[]): string {
  return execFileSync("git", args, { cwd: REPO_ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
}

export function commit(): string {
  try {
    const head = git(["rev-parse", "--short", "HEAD"]);
    return git(["status", "--porcelain", "--untracked-files=no"]) === "" ? head : `${head}+dirty`;
  } catch {
    return "unknown";
  }
}

export function runFacts(o: { rounds: number; durationS: number; warmupS: number }): RunFacts {
  return { commit: commit(), date: new Date().toISOString().replace(/\.\d+Z$/, "Z"), machine: machine(), ...o };
}

/** One line for the foot of a chart or the head of a table. */
export function factsLine(f: RunFacts): string {
  const rounds = f.rounds === 1 ? "1 round" : `${f.rounds} rounds`;
  return `${rounds} × ${f.durationS}s (after ${f.warmupS}s warm-up) · ${f.machine.cores} cores, ${f.machine.cpuModel} · Node ${f.machine.node} · commit ${f.commit} · ${f.date.slice(0, 16).replace("T", " ")} UTC`;
}
