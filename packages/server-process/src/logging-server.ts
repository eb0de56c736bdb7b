import { type ChildProcess, spawn } from "node:child_process";

export type LogLine = Record<string, unknown>;

/** A child process that logs JSON lines on stdout (pkgindex's pino logs). */
export interface LoggingProcess {
  child: ChildProcess;
  /** Every log line seen so far; a line that is not JSON is kept as `{ raw }`. */
  logs: LogLine[];
  stderr(): string;
  /** Resolves with the exit code, or the signal's name. */
  exited: Promise<number | string>;
  /** Resolves at the first log line (seen or to come) matching `predicate`; rejects if the child ends first. */
  waitForLog(predicate: (line: LogLine) => boolean): Promise<LogLine>;
  /** SIGTERM (unless it has exited), then its exit code or signal. */
  stop(): Promise<number | string>;
}

/** A logging process that has logged `"msg":"listening"` with the port it bound. */
export interface ServerProcess extends LoggingProcess {
  /** The plain port; 0 when the server has no plain listener. */
  port: number;
  /** The TLS port; 0 when the server has no TLS listener. */
  tlsPort: number;
}

export interface SpawnOptions {
  env?: Record<string, string>;
  cwd?: string;
  /** Run `entry` itself (an executable, e.g. an installed bin), not `node entry`. */
  executable?: boolean;
}

/** Spawns `node entry ...args` (or `entry ...args`) and collects its log lines as they come. */
export function spawnLogging(entry: string, args: readonly string[], options: SpawnOptions = {}): LoggingProcess {
  const [file, argv] = options.executable ? [entry, args] : [process.execPath, [entry, ...args]];
  const child = spawn(file, argv, { env: { ...process.env, ...options.env }, cwd: options.cwd, stdio: ["ignore", "pipe", "pipe"] });
  const logs: LogLine[] = [];
  const waiters: { predicate: (line: LogLine) => boolean; resolve: (line: LogLine) => void }[] = [];
  let stderr = "";
  let carry = "";
  child.stdout.setEncoding("utf8");
  child.stdout.on("data", (text: string) => {
    const lines = (carry + text).split("\n");
    carry = lines.pop()!;
    for (const line of lines) {
      if (line.trim() === "") continue;
      let parsed: LogLine;
      try {
        parsed = JSON.parse(line) as LogLine;
      } catch {
        parsed = { raw: line };
      }
      logs.push(parsed);
      for (let i = waiters.length - 1; i >= 0; i--) {
        if (waiters[i].predicate(parsed)) {
          waiters[i].resolve(parsed);
          waiters.splice(i, 1);
        }
      }
    }
  });
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (text: string) => (stderr += text));
  const exited = new Promise<number | string>((resolve) => child.once("exit", (code, signal) => resolve(code ?? signal ?? -1)));
  return {
    child,
    logs,
    stderr: () => stderr,
    exited,
    waitForLog(predicate) {
      const seen = logs.find(predicate);
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        waiters.push({ predicate, resolve });
        exited.then((code) => reject(new Error(`${entry} exited (${code}) before the expected log line; stderr: ${stderr}`)));
      });
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      return exited;
    },
  };
}

/**
 * Spawns a server that logs JSON lines and resolves at its "listening"
 * line, which carries the port it bound (so it can be started on port 0).
 * The admin server's "admin listening" line is a different message.
 */
export async function startLoggingServer(entry: string, args: readonly string[], options: SpawnOptions = {}): Promise<ServerProcess> {
  const spawned = spawnLogging(entry, args, options);
  // A TLS-only server logs port null and a tlsPort.
  const line = await spawned.waitForLog((l) => l.msg === "listening" && (typeof l.port === "number" || typeof l.tlsPort === "number"));
  return { ...spawned, port: typeof line.port === "number" ? line.port : 0, tlsPort: typeof line.tlsPort === "number" ? line.tlsPort : 0 };
}
