import { accessSync, constants, mkdirSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { PkgIndexError } from "@pkgindex/errors";

/** Words for the errno codes an operator is likely to meet. */
const ERRNO_REASONS: Record<string, string> = {
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EROFS: "read-only file system",
  ENOTDIR: "a component of the path is a file, not a directory",
  EEXIST: "it exists and is not a directory",
  ENOENT: "it does not exist and cannot be created",
  ENOSPC: "no space left on the device",
  EDQUOT: "disk quota exceeded",
  ELOOP: "too many symbolic links",
  ENAMETOOLONG: "the path is too long",
  EIO: "input/output error",
};

/** One short reason for a failed file-system call, for operator messages. */
export function describeFsError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  if (code !== undefined && ERRNO_REASONS[code] !== undefined) return `${ERRNO_REASONS[code]} (${code})`;
  return err instanceof Error ? err.message : String(err);
}

function unusable(path: string, reason: string, cause?: unknown): PkgIndexError {
  return new PkgIndexError("PKGI_DATA_DIR_UNUSABLE", { path, reason }, { cause });
}

/**
 * `mkdir -p` one component at a time. Not `mkdirSync(dir, { recursive: true })`:
 * Node's recursive mkdir spins forever at 100% CPU when a parent exists but
 * cannot hold children and mkdir reports ENOENT (any path under /proc, or
 * below a dangling symlink); here every failure is final and reported.
 */
function makeDirectories(dir: string): void {
  const missing: string[] = [];
  for (let at = dir; ; at = dirname(at)) {
    try {
      statSync(at);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT" || dirname(at) === at) throw err;
      missing.push(at);
    }
  }
  for (let i = missing.length - 1; i >= 0; i--) {
    try {
      mkdirSync(missing[i]);
    } catch (err) {
      // Created meanwhile, or a dangling symlink: the next step says which.
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
  }
}

/**
 * Makes sure `dir` (absolute) is a directory this process can create files
 * in, creating it (and its parents) when missing unless `readOnly`. Throws
 * PKGI_DATA_DIR_UNUSABLE otherwise. Root passes permission checks, so as
 * root only a read-only mount or a non-directory in the path fails here.
 */
export function ensureDataDir(dir: string, readOnly: boolean): void {
  if (!readOnly) {
    try {
      makeDirectories(dir);
    } catch (err) {
      throw unusable(dir, describeFsError(err), err);
    }
  }
  let isDir: boolean;
  try {
    isDir = statSync(dir).isDirectory();
  } catch (err) {
    // Read-only use creates nothing: "cannot be created" would mislead.
    if (readOnly && (err as NodeJS.ErrnoException).code === "ENOENT") throw unusable(dir, "it does not exist (ENOENT)", err);
    throw unusable(dir, describeFsError(err), err);
  }
  if (!isDir) throw unusable(dir, "it is not a directory");
  try {
    // SQLite creates pkgindex.db-wal next to the database even to read from
    // it or recover after a crash, so read-only use needs W_OK too.
    accessSync(dir, constants.R_OK | constants.W_OK | constants.X_OK);
  } catch (err) {
    throw unusable(dir, describeFsError(err), err);
  }
}
