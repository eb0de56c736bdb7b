import type { LoadStats, Store } from "./store-types.ts";

/** `--store memory`: keeps nothing, so every operation is a no-op. */
export class MemoryStore implements Store {
  readonly kind = "memory" as const;
  readonly commits = 0;

  load(_onPackage: (name: string, deps: readonly string[]) => void): LoadStats {
    return { packages: 0, edges: 0, millis: 0, unordered: 0 };
  }

  putPackage(_name: string, _deps: readonly string[], _depCount: number): void {}

  deletePackage(_name: string): void {}

  commit(): void {}

  rollback(): void {}

  probe(): void {}

  close(): void {}
}
