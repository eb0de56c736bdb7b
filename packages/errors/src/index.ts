export type { ErrorCode } from "./catalogue.ts";
export { isPkgIndexError, PkgIndexError } from "./pkgindex-error.ts";
