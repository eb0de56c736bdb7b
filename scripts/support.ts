// What the benchmark scripts share: reading /metrics and starting the built
// server until it says it listens.
import { spawn } from "node:child_process";
import path from "node:path";

export const ROOT = path.resolve(import.meta.dirname, "..");
export const SERVER = path.join(ROOT, "apps/server/dist/pkgindex.js");

/** The sum of a family's series in a Prometheus text, optionally only lines containing `filter`. */
export function metricSum(text: string, family: string, filter = ""): number {
  let sum = 0;
  for (const line of text.split("\n")) {
    if (line.startsWith("#") || !line.startsWith(family)) continue;
    const rest = line.slice(family.length);
    if (rest[0] !== "{" && rest[0] !== " ") continue;
    if (filter && !line.includes(filter)) continue;
    sum += Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return sum;
}

export interface StartedServer {
  port: number;
  /** Milliseconds from spawn to the "listening" line. */
  millis: number;
  /** The "index loaded" line's own `millis`, if it logged one. */
  loadedMillis: number;
  stop(): Promise<void>;
}

/**
 * Spawns `pkgindex serve` with `args` (which must keep --log-level at info
 * or below: the "listening" line is how it says it is ready).
 */
export function startServer(args: string[]): Promise<StartedServer> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [SERVER, "serve", ...args], { stdio: ["ignore", "pipe", "inherit"] });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return new Promise((resolve, reject) => {
    let carry = "";
    let loadedMillis = Number.NaN;
    let listening = false;
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (text: string) => {
      const lines = (carry + text).split("\n");
      carry = lines.pop()!;
      for (const line of lines) {
        if (listening) continue;
        if (line.includes('"index loaded"')) loadedMillis = (JSON.parse(line) as { millis: number }).millis;
        if (line.includes('"listening"')) {
          listening = true;
          resolve({
            port: (JSON.parse(line) as { port: number }).port,
            millis: performance.now() - t0,
            loadedMillis,
            stop: async () => {
              child.kill("SIGTERM");
              await exited;
            },
          });
        }
      }
    });
    child.once("exit", (code) => {
      if (!listening) reject(new Error(`pkgindex exited (${code}) before listening`));
    });
  });
}
