import net from "node:net";

/**
 * Ports for the servers the bench starts. Without a range the OS picks
 * (port 0, bound and released); with one, the lowest port of the range that
 * nothing listens on and this process has not handed out already, so a CI
 * job can keep the bench inside the ports its firewall or its neighbours
 * leave it.
 */
export interface PortRange {
  from: number;
  to: number;
}

/** `LO-HI`, both from 1 to 65535, LO ≤ HI; null when the text is not that. */
export function parsePortRange(text: string): PortRange | null {
  const m = /^(\d{1,5})-(\d{1,5})$/.exec(text.trim());
  if (m === null) return null;
  const from = Number(m[1]);
  const to = Number(m[2]);
  return from >= 1 && to <= 65535 && from <= to ? { from, to } : null;
}

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once("error", () => resolve(false));
    probe.listen(port, "127.0.0.1", () => probe.close(() => resolve(true)));
  });
}

export class NoFreePortError extends Error {
  override name = "NoFreePortError";
}

export class PortPicker {
  private readonly range: PortRange | null;
  private readonly given = new Set<number>();

  constructor(range: PortRange | null) {
    this.range = range;
  }

  /** A port to start a server on; undefined: let the server-starting helper ask the OS. */
  async next(): Promise<number | undefined> {
    if (this.range === null) return undefined;
    for (let p = this.range.from; p <= this.range.to; p++) {
      if (this.given.has(p)) continue;
      if (await canBind(p)) {
        this.given.add(p);
        return p;
      }
    }
    throw new NoFreePortError(`--port-range ${this.range.from}-${this.range.to}: no free port left`);
  }
}
