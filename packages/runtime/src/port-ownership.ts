import { readdirSync, readFileSync, readlinkSync } from "node:fs";

// SO_REUSEPORT lets the I/O workers share one port, but it would just as
// quietly let them share it with ANOTHER process of the same user (a second
// pkgindex, say), splitting the clients between the two. The kernel's socket
// table tells who listens: the supervisor refuses to start if any listener
// on the port is not this process's, before binding (so a running server's
// clients see nothing) and again after (two starting at once).

const LISTEN = "0A";

/** Inodes of every listening TCP socket on `port`, any address, any process; null without /proc. */
export function listenerInodes(port: number): Set<string> | null {
  const found = new Set<string>();
  let readAny = false;
  for (const file of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text: string;
    try {
      text = readFileSync(file, "latin1");
    } catch {
      continue;
    }
    readAny = true;
    const lines = text.split("\n");
    for (let i = 1; i < lines.length; i++) {
      const cols = lines[i].trim().split(/\s+/);
      if (cols.length < 10 || cols[3] !== LISTEN) continue;
      const local = cols[1];
      if (Number.parseInt(local.slice(local.lastIndexOf(":") + 1), 16) === port) found.add(cols[9]);
    }
  }
  return readAny ? found : null;
}

/** Inodes of this process's sockets (every thread shares the fd table). */
export function ownSocketInodes(): Set<string> {
  const own = new Set<string>();
  let fds: string[];
  try {
    fds = readdirSync("/proc/self/fd");
  } catch {
    return own;
  }
  for (const fd of fds) {
    try {
      const target = readlinkSync(`/proc/self/fd/${fd}`);
      if (target.startsWith("socket:[")) own.add(target.slice(8, -1));
    } catch {
      // closed meanwhile
    }
  }
  return own;
}

/** Whether some process other than this one listens on `port` (false when /proc cannot tell). */
export function foreignListener(port: number): boolean {
  const listeners = listenerInodes(port);
  if (listeners === null || listeners.size === 0) return false;
  const own = ownSocketInodes();
  for (const inode of listeners) if (!own.has(inode)) return true;
  return false;
}
