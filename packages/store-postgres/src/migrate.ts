import { PkgIndexError } from "@pkgindex/errors";
import type { Client } from "pg";
import { MIGRATIONS, SCHEMA_VERSION, WRITER_LOCK_KEY } from "./schema.ts";

/**
 * A refusal that waiting will not cure (a schema named pkgindex that is not
 * pkgindex's): connect() does not retry it. A newer schema is a plain
 * PkgIndexError, retried: a rolling deploy or a rollback can end it.
 */
export class SchemaRefusal extends PkgIndexError {}

export interface MigrationResult {
  /** Version found before migrating (0: no pkgindex schema yet). */
  from: number;
  /** Version now: SCHEMA_VERSION. */
  to: number;
}

/**
 * Brings the pkgindex schema to SCHEMA_VERSION in one transaction, or
 * refuses. The writer lock is taken first, so nodes starting together
 * migrate once (the others wait, then find the current version) and no batch
 * runs against a half-migrated schema. Running it again changes nothing.
 */
export async function migrate(client: Client, target: string): Promise<MigrationResult> {
  await client.query("BEGIN ISOLATION LEVEL READ COMMITTED");
  try {
    await client.query(`SELECT pg_advisory_xact_lock(${WRITER_LOCK_KEY})`);
    const probe = await client.query<{ ns: boolean; sv: boolean }>(
      "SELECT to_regnamespace('pkgindex') IS NOT NULL AS ns, to_regclass('pkgindex.schema_version') IS NOT NULL AS sv",
    );
    const { ns, sv } = probe.rows[0];
    if (ns && !sv) {
      throw new SchemaRefusal("PKGI_PG_SCHEMA", {
        target,
        reason: "a schema named pkgindex exists but has no pkgindex.schema_version table: it is not pkgindex's, or it was damaged; refusing to touch it",
      });
    }
    if (!ns) {
      await client.query(`
        CREATE SCHEMA pkgindex;
        CREATE TABLE pkgindex.schema_version (
          singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
          version   integer NOT NULL
        );
        INSERT INTO pkgindex.schema_version (version) VALUES (0);`);
    }
    const found = Number((await client.query<{ version: number }>("SELECT version FROM pkgindex.schema_version")).rows[0]?.version);
    if (!Number.isInteger(found) || found < 0) {
      throw new SchemaRefusal("PKGI_PG_SCHEMA", { target, reason: "pkgindex.schema_version holds no valid version row" });
    }
    if (found > SCHEMA_VERSION) {
      throw new PkgIndexError("PKGI_PG_NEWER_SCHEMA", { target, found, supported: SCHEMA_VERSION });
    }
    for (let v = found; v < SCHEMA_VERSION; v++) {
      await client.query(MIGRATIONS[v]);
      await client.query("UPDATE pkgindex.schema_version SET version = $1", [v + 1]);
    }
    await client.query("COMMIT");
    return { from: found, to: SCHEMA_VERSION };
  } catch (err) {
    await client.query("ROLLBACK").catch(() => {});
    throw err;
  }
}
