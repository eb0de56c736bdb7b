export { formatIPv4, formatIPv6 } from "./ip-format.ts";
export { V1_MAX_HEADER_BYTES } from "./parse-v1.ts";
export { V2_FIXED_BYTES, V2_SIGNATURE } from "./parse-v2.ts";
export {
  PROXY_ERROR_BY_CODE,
  PROXY_ERROR_COUNT,
  PROXY_ERRORS,
  type ProxyErrorCode,
  type ProxyErrorName,
} from "./proxy-errors.ts";
export {
  DEFAULT_MAX_HEADER_BYTES,
  MAX_MAX_HEADER_BYTES,
  MIN_MAX_HEADER_BYTES,
  ProxyHeaderParser,
} from "./proxy-header-parser.ts";
export { isProxyMode, PROXY_MODES, type ProxyHeaderMode, type ProxyMode } from "./proxy-mode.ts";
export {
  NEED_MORE,
  type ProxyDone,
  type ProxyFailure,
  type ProxyInfo,
  type ProxyNeedMore,
  type ProxyParseResult,
} from "./proxy-result.ts";
