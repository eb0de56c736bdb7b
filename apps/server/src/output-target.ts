import { lstatSync, readlinkSync, realpathSync, statSync } from "node:fs";
import path from "node:path";

/** How a command's output reaches the path it was given. */
export type OutputTarget =
  /** A regular file (new or existing, maybe behind symlinks): replaced whole by a rename; `mode` of the existing file. */
  | { kind: "replace"; path: string; mode?: number }
  /** A device, FIFO or socket: written as it is (renaming over it would replace it with a file). */
  | { kind: "in-place"; path: string }
  /** One of this process's open descriptors (/dev/stdout, /dev/fd/N): written to the descriptor itself. */
  | { kind: "descriptor"; fd: number };

/** /dev/stdout, /dev/stderr, /dev/fd/N, /proc/self/fd/N: the descriptor named. */
function descriptorOf(file: string): number | undefined {
  if (file === "/dev/stdout") return 1;
  if (file === "/dev/stderr") return 2;
  const m = /^\/(?:dev|proc\/self)\/fd\/(\d+)$/.exec(file);
  return m === null ? undefined : Number(m[1]);
}

/** The end of a symlink chain that points nowhere yet: the file to create. */
function danglingTarget(start: string): string {
  let at = start;
  for (let hops = 0; hops < 40; hops++) {
    try {
      if (!lstatSync(at).isSymbolicLink()) return at;
    } catch {
      return at;
    }
    at = path.resolve(path.dirname(at), readlinkSync(at));
  }
  return at; // a loop: the rename then fails and says why
}

/** Where and how `pkgindex dump|backup FILE` writes: symlinks followed, devices written through. */
export function outputTarget(file: string): OutputTarget {
  const given = path.resolve(file);
  // Opening /dev/stdout anew fails (ENXIO) when stdout is a socket, as
  // under systemd's journal or a Node parent's pipe: write the descriptor.
  const fd = descriptorOf(given);
  if (fd !== undefined) return { kind: "descriptor", fd };
  // /dev/stdout, /dev/fd/N, /proc/self/fd/N name an open descriptor, even one
  // redirected to a regular file: always written through, never renamed over.
  if (/^\/(dev|proc)\//.test(given)) return { kind: "in-place", path: given };
  let real: string;
  try {
    real = realpathSync(given);
  } catch {
    return { kind: "replace", path: danglingTarget(given) };
  }
  const st = statSync(real);
  if (st.isFile()) return { kind: "replace", path: real, mode: st.mode & 0o7777 };
  // A directory is "replaced" so the rename fails with EISDIR and says so.
  return st.isDirectory() ? { kind: "replace", path: real } : { kind: "in-place", path: real };
}
