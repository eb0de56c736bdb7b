import { Client, type PkgIndexClient, type Reply } from "./client.ts";
import type { ClientOptions } from "./client-options.ts";
import { PkgIndexClientError } from "./pkgindex-client-error.ts";

export interface PoolOptions extends ClientOptions {
  /** Connections in the pool. Default 4. */
  size?: number;
}

export function createPool(options: PoolOptions = {}): Pool {
  return new Pool(options);
}

/**
 * Several clients (one connection each) behind the client API. Each request
 * goes to the connection with the fewest requests in flight, so a slow reply
 * on one connection does not hold up requests that can go elsewhere.
 *
 * Order holds per connection only: two requests issued without awaiting the
 * first may be applied in either order. Await a request before issuing one
 * that depends on it (INDEX a, then INDEX b that needs a), or use one Client.
 */
export class Pool implements PkgIndexClient {
  readonly clients: readonly Client[];
  /** Where the search for the least busy connection starts: rotates, so ties spread. */
  #next = 0;

  constructor(options: PoolOptions = {}) {
    const { size = 4, ...clientOptions } = options;
    if (!Number.isInteger(size) || size < 1 || size > 1024) {
      throw new PkgIndexClientError("PKGI_CLIENT_BAD_OPTION", { option: "size", reason: `expected a whole number from 1 to 1024, got ${JSON.stringify(size)}` });
    }
    const clients: Client[] = [];
    for (let i = 0; i < size; i++) clients.push(new Client(clientOptions));
    this.clients = clients;
  }

  get inFlight(): number {
    let n = 0;
    for (const c of this.clients) n += c.inFlight;
    return n;
  }

  #pick(): Client {
    const clients = this.clients;
    const n = clients.length;
    const start = this.#next;
    this.#next = start + 1 === n ? 0 : start + 1;
    let best = clients[start];
    for (let i = 1; i < n && best.inFlight > 0; i++) {
      const c = clients[(start + i) % n];
      if (c.inFlight < best.inFlight) best = c;
    }
    return best;
  }

  index(name: string, deps?: readonly string[]): Promise<boolean> {
    return this.#pick().index(name, deps);
  }

  remove(name: string): Promise<boolean> {
    return this.#pick().remove(name);
  }

  query(name: string): Promise<boolean> {
    return this.#pick().query(name);
  }

  send(line: string): Promise<Reply> {
    return this.#pick().send(line);
  }

  async connect(): Promise<void> {
    await Promise.all(this.clients.map((c) => c.connect()));
  }

  async close(): Promise<void> {
    await Promise.all(this.clients.map((c) => c.close()));
  }

  destroy(): void {
    for (const c of this.clients) c.destroy();
  }
}
