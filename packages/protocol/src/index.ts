export { CMD_INDEX, CMD_QUERY, CMD_REMOVE, COMMAND_NAMES } from "./commands.ts";
export { FRAME_LINE_TOO_LONG, FRAME_OK, LineFramer } from "./line-framer.ts";
export { createLineShape, scanLine, type LineShape } from "./parse-line.ts";
export {
  PROTOCOL_ERROR_BY_CODE,
  PROTOCOL_ERROR_COUNT,
  PROTOCOL_ERRORS,
  type ProtocolErrorName,
} from "./protocol-errors.ts";
export {
  encodeReplies,
  REPLY_ERROR,
  REPLY_FAIL,
  REPLY_OK,
  REPLY_PENDING,
  REPLY_TEXT,
  REPLY_UNANSWERED,
} from "./reply-codes.ts";
export { isValidName } from "./names.ts";
