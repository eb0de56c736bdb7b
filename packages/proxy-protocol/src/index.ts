export { formatIPv4, formatIPv6 } from "./ip-format.ts";
export { V1_MAX_HEADER_BYTES } from "./parse-v1.ts";
export { V2_SIGNATURE } from "./parse-v2.ts";
export { PROXY_ERROR_BY_CODE, PROXY_ERRORS } from "./proxy-errors.ts";
export {
  DEFAULT_MAX_HEADER_BYTES,
  MAX_MAX_HEADER_BYTES,
  MIN_MAX_HEADER_BYTES,
  ProxyHeaderParser,
} from "./proxy-header-parser.ts";
export { isProxyMode, type ProxyHeaderMode, type ProxyMode } from "./proxy-mode.ts";
export { NEED_MORE, type ProxyInfo, type ProxySslInfo } from "./proxy-result.ts";
