import { rmSync } from "node:fs";
import path from "node:path";
import type { BackupOutcome } from "@pkgindex/admin";
import { isPkgIndexError } from "@pkgindex/errors";
import type { Logger, RunningServer } from "@pkgindex/runtime";

/** A VACUUM INTO of a large index takes a while; past this the request fails (the copy is removed). */
const BACKUP_DEADLINE_MS = 10 * 60 * 1000;

/**
 * POST /backup on the admin server: the state owner copies the committed
 * index (SQLite VACUUM INTO, between two batches) into a file beside the
 * database — same disk, and the one directory the service may write under
 * systemd's ProtectSystem=strict — which the admin server streams and then
 * removes. One backup at a time.
 */
export function backupEndpoint(server: () => RunningServer | undefined, dataDir: string, logger: Logger): () => Promise<BackupOutcome> {
  let running = false;
  let count = 0;
  return async () => {
    const target = server();
    if (target === undefined) return { ok: false, status: 503, message: "not ready: the index is still loading" };
    if (running) return { ok: false, status: 409, message: "a backup is already running" };
    running = true;
    const file = path.join(dataDir, `.backup-${process.pid}-${++count}.db`);
    const remove = (): void => {
      rmSync(file, { force: true });
      running = false;
    };
    const t0 = performance.now();
    try {
      await target.backup(file, BACKUP_DEADLINE_MS);
    } catch (err) {
      remove();
      const unavailable = isPkgIndexError(err) && err.code === "PKGI_BACKUP_UNAVAILABLE";
      const message = isPkgIndexError(err) ? `[${err.code}] ${err.message}` : String((err as Error)?.message ?? err);
      logger.warn({ err: message }, "backup failed");
      return { ok: false, status: unavailable ? 409 : 500, message };
    }
    logger.info({ millis: Math.round(performance.now() - t0) }, "backup taken");
    return { ok: true, path: file, remove };
  };
}
