import { queryObjects } from "node:v8";
import { Connection } from "./connection.ts";

/**
 * Connection objects still on this thread's heap after a full garbage
 * collection (v8.queryObjects collects first): 0 once every client has gone
 * means nothing, not even a timer or a list, keeps a closed connection.
 * Test-only (--test-hooks), since every call is a full GC.
 */
export function connectionObjects(): number {
  return queryObjects(Connection, { format: "count" });
}
