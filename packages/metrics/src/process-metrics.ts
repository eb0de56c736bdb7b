import { readdirSync, readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { counterFamily, gaugeFamily, type MetricJson } from "./families.ts";
import { METRIC, RUNTIME_METRIC } from "./metric-names.ts";

export interface BuildInfo {
  version: string;
  /** The commit the build was made from ("unknown" outside a git checkout). */
  revision: string;
}

/** Soft limit of open files (Linux /proc), or undefined elsewhere. */
function maxFds(): number | undefined {
  try {
    const line = readFileSync("/proc/self/limits", "utf8").split("\n").find((l) => l.startsWith("Max open files"));
    const soft = line === undefined ? Number.NaN : Number(line.slice("Max open files".length).trim().split(/\s+/)[0]);
    return Number.isFinite(soft) ? soft : undefined;
  } catch {
    return undefined;
  }
}

function openFds(): number | undefined {
  try {
    // readdir holds one descriptor of its own while it reads.
    return readdirSync("/proc/self/fd").length - 1;
  } catch {
    return undefined;
  }
}

/**
 * Families of the whole process (RSS, CPU, descriptors, start time) and the
 * build: read once per scrape by the main thread only, since a thread's
 * copy would be summed with the others'.
 */
export function processFamilies(build: BuildInfo): MetricJson[] {
  const cpu = process.cpuUsage();
  const out: MetricJson[] = [
    gaugeFamily(RUNTIME_METRIC.residentMemory, "Resident memory of the process (all threads), in bytes.", [{ labels: {}, value: process.memoryUsage.rss() }]),
    gaugeFamily(RUNTIME_METRIC.startTime, "Start time of the process since the Unix epoch, in seconds.", [
      { labels: {}, value: Math.round(performance.timeOrigin / 1000) },
    ]),
    counterFamily(RUNTIME_METRIC.cpuUser, "User CPU time of the process (all threads), in seconds.", [{ labels: {}, value: cpu.user / 1e6 }]),
    counterFamily(RUNTIME_METRIC.cpuSystem, "System CPU time of the process (all threads), in seconds.", [{ labels: {}, value: cpu.system / 1e6 }]),
    counterFamily(RUNTIME_METRIC.cpuTotal, "CPU time of the process (all threads, user + system), in seconds.", [
      { labels: {}, value: (cpu.user + cpu.system) / 1e6 },
    ]),
    gaugeFamily(
      METRIC.buildInfo,
      "Always 1: the version and revision of this build and the Node.js it runs on, as labels.",
      [{ labels: { version: build.version, revision: build.revision, node: process.versions.node }, value: 1 }],
      "first",
    ),
  ];
  const open = openFds();
  if (open !== undefined) out.push(gaugeFamily(RUNTIME_METRIC.openFds, "Open file descriptors of the process.", [{ labels: {}, value: open }]));
  const max = maxFds();
  if (max !== undefined) out.push(gaugeFamily(RUNTIME_METRIC.maxFds, "Limit of open file descriptors of the process.", [{ labels: {}, value: max }]));
  return out;
}
