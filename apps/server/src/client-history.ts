import { readFileSync, writeFileSync } from "node:fs";

/** Entries kept, as redis-cli keeps its own. */
export const HISTORY_SIZE = 1000;

/**
 * The prompt's history file: one entry per line, oldest first (as shells
 * keep theirs, so `tail` shows the latest). readline wants newest first.
 * A missing or unreadable file is an empty history: history is a
 * convenience, never a reason not to start.
 */
export function loadHistory(file: string): string[] {
  if (file === "") return [];
  try {
    return readFileSync(file, "utf8").split("\n").filter((l) => l !== "").slice(-HISTORY_SIZE).toReversed();
  } catch {
    return [];
  }
}

/** Writes readline's history (newest first) to `file`; returns the error message on failure. */
export function saveHistory(file: string, newestFirst: readonly string[]): string | null {
  if (file === "") return null;
  try {
    // 0600: what people type may be private, as with shell history.
    writeFileSync(file, newestFirst.toReversed().join("\n") + "\n", { mode: 0o600 });
    return null;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}
