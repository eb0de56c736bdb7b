import type crypto from "node:crypto";
import type tls from "node:tls";

// node:tls and node:crypto are loaded when first used, not when this package
// is imported: every thread imports it, loading TLS costs a thread about
// 2.3 MiB of RSS and crypto about 1, and a server without --tls-port never
// uses either (docs/DECISIONS.md, "Issue 19").
export const nodeTls = (): typeof tls => process.getBuiltinModule("node:tls");
export const nodeCrypto = (): typeof crypto => process.getBuiltinModule("node:crypto");
