import { PkgIndexError } from "@pkgindex/errors";
import type { PostgresStore } from "@pkgindex/store-postgres";
import { checkPostgresUrl, seconds } from "./options.ts";

/** The flags `dump` and `load` share with `serve` to name the store they work on. */
export const STORE_TARGET_OPTIONS = {
  store: { type: "string", default: "sqlite", choices: ["sqlite", "postgres"], describe: "sqlite: the database in --data-dir; postgres: the one on --postgres-url (or the PG* variables)" },
  "postgres-url": { type: "string", describe: "With --store postgres: a URI such as postgresql://user@host:5432/database; what it leaves out comes from PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE, ..." },
  "store-connect-timeout": { type: "number", default: 30, describe: "With --store postgres: seconds to keep retrying an unreachable database before giving up" },
} as const;

export interface RawStoreTarget {
  store: string;
  postgresUrl?: string;
  storeConnectTimeout: number;
}

/**
 * Connects to PostgreSQL as `serve --store postgres` would (retrying until
 * the connect timeout; migrating a new database), after checking the flags
 * once, naming the flag.
 */
export async function connectPostgres(raw: RawStoreTarget, allowCycles = false): Promise<PostgresStore> {
  if (raw.postgresUrl !== undefined) checkPostgresUrl(raw.postgresUrl);
  const timeout = seconds("store-connect-timeout", raw.storeConnectTimeout, 86_400);
  // Loaded only when used: node-postgres is the largest code the CLI could carry.
  const { PostgresStore } = await import("@pkgindex/store-postgres");
  return PostgresStore.connect({ connectionString: raw.postgresUrl, connectTimeoutMillis: timeout, allowCycles, applicationName: "pkgindex-cli" });
}

/** Refuses --postgres-url without --store postgres (it would be ignored silently). */
export function checkStoreTarget(raw: RawStoreTarget): void {
  if (raw.postgresUrl !== undefined && raw.store !== "postgres") {
    throw new PkgIndexError("PKGI_BAD_OPTION", { option: "postgres-url", reason: "only used with --store postgres" });
  }
}
