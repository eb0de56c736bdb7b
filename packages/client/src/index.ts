export { backoffDelay } from "./backoff.ts";
export { Client, createClient, type ClientEvents, type PkgIndexClient, type ReconnectingEvent, type Reply } from "./client.ts";
export type { ClientOptions, ReconnectOptions } from "./client-options.ts";
export { CLIENT_ERROR_CATALOGUE, type ClientErrorCode } from "./error-catalogue.ts";
export { isPkgIndexClientError, PkgIndexClientError } from "./pkgindex-client-error.ts";
export { createPool, Pool, type PoolOptions } from "./pool.ts";
export { nameProblem } from "./request-lines.ts";
