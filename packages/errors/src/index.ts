export { ERROR_CATALOGUE, type ErrorCode } from "./catalogue.ts";
export { isPkgIndexError, PkgIndexError } from "./pkgindex-error.ts";
