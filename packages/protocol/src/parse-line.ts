import { CMD_INDEX, CMD_QUERY, CMD_REMOVE } from "./commands.ts";
import { PROTOCOL_ERRORS } from "./protocol-errors.ts";

const PIPE = 124;
const COMMA = 44;
const MAX_NAME = 255;

const E_UNKNOWN_COMMAND = PROTOCOL_ERRORS.UNKNOWN_COMMAND.code;
const E_FIELD_COUNT = PROTOCOL_ERRORS.FIELD_COUNT.code;
const E_BAD_NAME = PROTOCOL_ERRORS.BAD_NAME.code;
const E_BAD_DEPENDENCY = PROTOCOL_ERRORS.BAD_DEPENDENCY.code;
const E_EMPTY_DEPENDENCY = PROTOCOL_ERRORS.EMPTY_DEPENDENCY.code;
const E_EMPTY_LINE = PROTOCOL_ERRORS.EMPTY_LINE.code;

/**
 * Where the fields of a valid line are. Reused across lines by its owner so
 * validation allocates nothing.
 */
export interface LineShape {
  command: number;
  nameStart: number;
  nameEnd: number;
  depsStart: number;
  depsEnd: number;
}

export function createLineShape(): LineShape {
  return { command: 0, nameStart: 0, nameEnd: 0, depsStart: 0, depsEnd: 0 };
}

/**
 * Index of `byte` in buf[from, end), or -1. Never looks past `end`: lines
 * share one socket chunk, and an unbounded indexOf would scan the rest of the
 * chunk for every line that lacks the byte (quadratic in the chunk).
 */
function findByte(buf: Uint8Array, byte: number, from: number, end: number): number {
  for (let i = from; i < end; i++) if (buf[i] === byte) return i;
  return -1;
}

/** A name byte: printable ASCII other than `|` and `,`. */
function isNameByte(b: number): boolean {
  return b > 0x20 && b < 0x7f && b !== PIPE && b !== COMMA;
}

function commandAt(buf: Uint8Array, start: number, end: number): number {
  const n = end - start;
  // Compare bytes directly: decoding the command to a string would allocate.
  if (n === 5) {
    if (buf[start] === 73 && buf[start + 1] === 78 && buf[start + 2] === 68 && buf[start + 3] === 69 && buf[start + 4] === 88) return CMD_INDEX; // INDEX
    if (buf[start] === 81 && buf[start + 1] === 85 && buf[start + 2] === 69 && buf[start + 3] === 82 && buf[start + 4] === 89) return CMD_QUERY; // QUERY
  } else if (n === 6) {
    if (buf[start] === 82 && buf[start + 1] === 69 && buf[start + 2] === 77 && buf[start + 3] === 79 && buf[start + 4] === 86 && buf[start + 5] === 69) return CMD_REMOVE; // REMOVE
  }
  return 0;
}

/**
 * Validates one line (without its terminator) and records where its fields
 * are. Returns 0 when valid, else a code from PROTOCOL_ERRORS. Never throws.
 */
export function scanLine(buf: Uint8Array, start: number, end: number, shape: LineShape): number {
  if (end <= start) return E_EMPTY_LINE;
  const p1 = findByte(buf, PIPE, start, end);
  if (p1 === -1) return E_FIELD_COUNT;
  const p2 = findByte(buf, PIPE, p1 + 1, end);
  if (p2 === -1) return E_FIELD_COUNT;
  if (findByte(buf, PIPE, p2 + 1, end) !== -1) return E_FIELD_COUNT;
  const command = commandAt(buf, start, p1);
  if (command === 0) return E_UNKNOWN_COMMAND;
  const nameStart = p1 + 1;
  if (p2 === nameStart || p2 - nameStart > MAX_NAME) return E_BAD_NAME;
  for (let i = nameStart; i < p2; i++) if (!isNameByte(buf[i])) return E_BAD_NAME;
  const depsStart = p2 + 1;
  if (depsStart < end) {
    let entryStart = depsStart;
    for (let i = depsStart; i < end; i++) {
      const b = buf[i];
      if (b === COMMA) {
        if (i === entryStart) return E_EMPTY_DEPENDENCY;
        if (i - entryStart > MAX_NAME) return E_BAD_DEPENDENCY;
        entryStart = i + 1;
      } else if (!isNameByte(b)) {
        return E_BAD_DEPENDENCY;
      }
    }
    if (entryStart === end) return E_EMPTY_DEPENDENCY;
    if (end - entryStart > MAX_NAME) return E_BAD_DEPENDENCY;
  }
  shape.command = command;
  shape.nameStart = nameStart;
  shape.nameEnd = p2;
  shape.depsStart = depsStart;
  shape.depsEnd = end;
  return 0;
}
