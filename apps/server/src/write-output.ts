import { closeSync, fchmodSync, fsyncSync, openSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { outputTarget } from "./output-target.ts";

/** Words for the errno codes an output file is likely to meet. */
function describeWriteError(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  const words: Record<string, string> = {
    ENOENT: "its directory does not exist",
    ENOTDIR: "a component of the path is a file, not a directory",
    EISDIR: "it is a directory",
    EACCES: "permission denied",
    EROFS: "read-only file system",
    ENOSPC: "no space left on the device",
  };
  return e?.code !== undefined && words[e.code] !== undefined ? `${words[e.code]} (${e.code})` : String(e?.message ?? err);
}

/**
 * Writes `data` to the regular file `target` so that it is either the old
 * file or the whole new output, never half of it: a temporary file next to
 * it, fsynced, then renamed over it, with the old file's permission bits.
 * A failed write leaves no temporary file behind.
 */
function replaceWhole(target: string, mode: number | undefined, data: string | Uint8Array): void {
  const temp = `${target}.tmp-${process.pid}`;
  try {
    const fd = openSync(temp, "wx");
    try {
      if (mode !== undefined) fchmodSync(fd, mode);
      writeFileSync(fd, data);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, target);
  } catch (err) {
    rmSync(temp, { force: true });
    throw err;
  }
}

/**
 * Writes to stdout; resolves once it is handed to the OS. A reader
 * that goes away early (`pkgindex dump | head`) ends the process quietly with
 * status 141, as SIGPIPE ends other tools; any other error is one line.
 */
function writeStdout(text: string | Uint8Array, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    process.stdout.once("error", (err: NodeJS.ErrnoException) => {
      if (err.code === "EPIPE") process.exit(141);
      reject(new Error(`cannot write ${what} to stdout: ${describeWriteError(err)}`, { cause: err }));
    });
    process.stdout.write(text, (err) => {
      if (err == null) resolve();
    });
  });
}

/**
 * A command's output (`what`, for messages) to FILE, or to stdout for `-` or
 * no FILE. A symlink is followed (the link stays, what it points to is
 * replaced); a device, FIFO or socket is written in place, never replaced by
 * a regular file; a regular file is replaced whole (replaceWhole).
 */
export function writeOutput(file: string | undefined, data: string | Uint8Array, what: string): Promise<void> {
  if (file === undefined || file === "-") return writeStdout(data, what);
  const where = outputTarget(file);
  if (where.kind === "descriptor" && where.fd === 1) return writeStdout(data, what);
  try {
    if (where.kind === "descriptor") writeFileSync(where.fd, data);
    else if (where.kind === "in-place") writeFileSync(where.path, data);
    else replaceWhole(where.path, where.mode, data);
  } catch (err) {
    throw new Error(`cannot write ${what} to ${file}: ${describeWriteError(err)}`, { cause: err });
  }
  return Promise.resolve();
}
