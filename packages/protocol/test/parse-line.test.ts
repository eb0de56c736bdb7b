import * as fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  CMD_INDEX,
  CMD_QUERY,
  CMD_REMOVE,
  COMMAND_NAMES,
  createLineShape,
  LineFramer,
  PROTOCOL_ERROR_BY_CODE,
  PROTOCOL_ERROR_COUNT,
  PROTOCOL_ERRORS,
  scanLine,
  type LineShape,
  type ProtocolErrorName,
} from "../src/index.ts";

// ---------------------------------------------------------------------------
// Helpers

/** Bytes of `s` with every char taken as one byte (so "\xe9" is the byte 0xE9). */
function bytes(s: string): Buffer {
  return Buffer.from(s, "latin1");
}

interface Parsed {
  err: number;
  command: number;
  name: string;
  deps: string[];
}

/**
 * The fields a valid line's shape points at, as strings: the third field
 * split only for INDEX (REMOVE and QUERY ignore its value).
 */
function fieldsOf(buf: Buffer, shape: LineShape): Omit<Parsed, "err"> {
  const deps = shape.command === CMD_INDEX && shape.depsEnd > shape.depsStart ? buf.toString("latin1", shape.depsStart, shape.depsEnd).split(",") : [];
  return { command: shape.command, name: buf.toString("latin1", shape.nameStart, shape.nameEnd), deps };
}

/** scanLine of [start, end) and, when valid, the fields its shape points at. */
function parseAt(buf: Buffer, start: number, end: number): Parsed {
  const shape = createLineShape();
  const err = scanLine(buf, start, end, shape);
  return err === 0 ? { err, ...fieldsOf(buf, shape) } : { err, command: 0, name: "", deps: [] };
}

/** parseAt on a whole buffer. */
function parse(line: Buffer | string): Parsed {
  const buf = typeof line === "string" ? bytes(line) : line;
  return parseAt(buf, 0, buf.length);
}

function errName(code: number): string {
  if (code === 0) return "OK";
  return (Object.keys(PROTOCOL_ERRORS) as ProtocolErrorName[]).find((k) => PROTOCOL_ERRORS[k].code === code) ?? `code ${code}`;
}

const NAME_255 = "n".repeat(255);
const NAME_256 = "n".repeat(256);

// Every printable ASCII byte a name may hold: 0x21-0x7E without | and ,.
const ALL_NAME_CHARS = Array.from({ length: 0x7e - 0x21 + 1 }, (_, i) => String.fromCharCode(0x21 + i))
  .filter((c) => c !== "|" && c !== ",")
  .join("");

// ---------------------------------------------------------------------------
// The catalogue

describe("PROTOCOL_ERRORS catalogue", () => {
  it("keeps its stable codes and ids", () => {
    // These appear in metrics labels and logs: renumbering one must fail here.
    expect(Object.fromEntries(Object.entries(PROTOCOL_ERRORS).map(([k, v]) => [k, [v.code, v.id]]))).toEqual({
      UNKNOWN_COMMAND: [1, "PKGI_PROTO_UNKNOWN_COMMAND"],
      FIELD_COUNT: [2, "PKGI_PROTO_FIELD_COUNT"],
      BAD_NAME: [3, "PKGI_PROTO_BAD_NAME"],
      BAD_DEPENDENCY: [4, "PKGI_PROTO_BAD_DEPENDENCY"],
      EMPTY_DEPENDENCY: [5, "PKGI_PROTO_EMPTY_DEPENDENCY"],
      EMPTY_LINE: [6, "PKGI_PROTO_EMPTY_LINE"],
      LINE_TOO_LONG: [7, "PKGI_PROTO_LINE_TOO_LONG"],
    });
  });

  it("is indexed by code, with 0 meaning no error", () => {
    expect(PROTOCOL_ERROR_BY_CODE[0]).toBeUndefined();
    expect(PROTOCOL_ERROR_COUNT).toBe(8);
    for (const e of Object.values(PROTOCOL_ERRORS)) expect(PROTOCOL_ERROR_BY_CODE[e.code]).toBe(e);
    const messages = Object.values(PROTOCOL_ERRORS).map((e) => e.message);
    expect(new Set(messages).size).toBe(messages.length);
  });

  it("names the three commands by code", () => {
    expect(COMMAND_NAMES[CMD_INDEX]).toBe("INDEX");
    expect(COMMAND_NAMES[CMD_REMOVE]).toBe("REMOVE");
    expect(COMMAND_NAMES[CMD_QUERY]).toBe("QUERY");
  });
});

// ---------------------------------------------------------------------------
// Malformed lines, each with its specific code

const malformed: [label: string, line: Buffer, expected: ProtocolErrorName][] = [
  // The challenge's own examples.
  ["INDEX|emacs=elisp", bytes("INDEX|emacs=elisp"), "FIELD_COUNT"],
  ["INDEX|emacs+elisp", bytes("INDEX|emacs+elisp"), "FIELD_COUNT"],
  ["INDEX|emacs☃elisp (UTF-8)", Buffer.from("INDEX|emacs☃elisp", "utf8"), "FIELD_COUNT"],
  ["INDEX|emacs elisp", bytes("INDEX|emacs elisp"), "FIELD_COUNT"],
  ["BLINDEX|a|b", bytes("BLINDEX|a|b"), "UNKNOWN_COMMAND"],
  ["REMOVES|a|b", bytes("REMOVES|a|b"), "UNKNOWN_COMMAND"],
  ["QUER|a|b", bytes("QUER|a|b"), "UNKNOWN_COMMAND"],
  ["LIZARD|a|b", bytes("LIZARD|a|b"), "UNKNOWN_COMMAND"],
  ["I|a|b", bytes("I|a|b"), "UNKNOWN_COMMAND"],
  ["empty line", bytes(""), "EMPTY_LINE"],
  ["INDEX||", bytes("INDEX||"), "BAD_NAME"],
  // Commands are case-sensitive.
  ["index|a|", bytes("index|a|"), "UNKNOWN_COMMAND"],
  ["remove|a|", bytes("remove|a|"), "UNKNOWN_COMMAND"],
  ["query|a|", bytes("query|a|"), "UNKNOWN_COMMAND"],
  ["Index|a|", bytes("Index|a|"), "UNKNOWN_COMMAND"],
  ["INDEx|a|", bytes("INDEx|a|"), "UNKNOWN_COMMAND"],
  ["qUERY|a|", bytes("qUERY|a|"), "UNKNOWN_COMMAND"],
  // Commands compared by bytes: near misses of the right length.
  ["INDEY|a|", bytes("INDEY|a|"), "UNKNOWN_COMMAND"],
  ["QUERX|a|", bytes("QUERX|a|"), "UNKNOWN_COMMAND"],
  ["REMOVF|a|", bytes("REMOVF|a|"), "UNKNOWN_COMMAND"],
  ["empty command", bytes("|a|"), "UNKNOWN_COMMAND"],
  ["command with space before", bytes(" INDEX|a|"), "UNKNOWN_COMMAND"],
  ["command with space after", bytes("INDEX |a|"), "UNKNOWN_COMMAND"],
  ["command with NUL", bytes("INDEX\x00|a|"), "UNKNOWN_COMMAND"],
  // Field count.
  ["four fields", bytes("INDEX|a|b|c"), "FIELD_COUNT"],
  ["four fields, last empty", bytes("INDEX|a|b|"), "FIELD_COUNT"],
  ["four empty fields", bytes("|||"), "FIELD_COUNT"],
  ["one field", bytes("INDEX"), "FIELD_COUNT"],
  ["two fields", bytes("INDEX|a"), "FIELD_COUNT"],
  ["two empty fields", bytes("|"), "FIELD_COUNT"],
  ["unknown command, two fields", bytes("LIZARD|a"), "FIELD_COUNT"],
  ["plain word", bytes("lizard"), "FIELD_COUNT"],
  ["lone CR", bytes("\r"), "FIELD_COUNT"],
  ["REMOVE with four fields", bytes("REMOVE|a|b|c"), "FIELD_COUNT"],
  ["QUERY with two fields", bytes("QUERY|a"), "FIELD_COUNT"],
  // Names.
  ["name with space", bytes("INDEX|a b|"), "BAD_NAME"],
  ["name with leading space", bytes("INDEX| a|"), "BAD_NAME"],
  ["name with tab", bytes("INDEX|a\tb|"), "BAD_NAME"],
  ["name with NUL", bytes("INDEX|a\x00|"), "BAD_NAME"],
  ["name with control byte 0x1F", bytes("INDEX|a\x1f|"), "BAD_NAME"],
  ["name with DEL 0x7F", bytes("INDEX|a\x7f|"), "BAD_NAME"],
  ["name with lone CR", bytes("INDEX|a\rb|"), "BAD_NAME"],
  ["name with byte 0x80", bytes("INDEX|a\x80|"), "BAD_NAME"],
  ["name with byte 0xFF", bytes("INDEX|\xff|"), "BAD_NAME"],
  ["name with latin1 é", bytes("INDEX|caf\xe9|"), "BAD_NAME"],
  ["name with UTF-8 é", Buffer.from("INDEX|café|", "utf8"), "BAD_NAME"],
  ["name with UTF-8 ☃", Buffer.from("INDEX|emacs☃elisp|", "utf8"), "BAD_NAME"],
  ["name with comma", bytes("INDEX|a,b|"), "BAD_NAME"],
  ["name of 256 bytes", bytes(`INDEX|${NAME_256}|`), "BAD_NAME"],
  ["REMOVE with empty name", bytes("REMOVE||"), "BAD_NAME"],
  ["QUERY with bad name", bytes("QUERY|a b|"), "BAD_NAME"],
  ["QUERY with 256-byte name", bytes(`QUERY|${NAME_256}|`), "BAD_NAME"],
  // Dependency lists.
  ["empty entry a,,b", bytes("INDEX|x|a,,b"), "EMPTY_DEPENDENCY"],
  ["empty entry a,", bytes("INDEX|x|a,"), "EMPTY_DEPENDENCY"],
  ["empty entry ,", bytes("INDEX|x|,"), "EMPTY_DEPENDENCY"],
  ["empty entry ,a", bytes("INDEX|x|,a"), "EMPTY_DEPENDENCY"],
  ["empty entry ,,", bytes("INDEX|x|,,"), "EMPTY_DEPENDENCY"],
  ["dependency with space", bytes("INDEX|x|a b"), "BAD_DEPENDENCY"],
  ["dependency list with space after comma", bytes("INDEX|x|a, b"), "BAD_DEPENDENCY"],
  ["dependency with tab", bytes("INDEX|x|a\tb"), "BAD_DEPENDENCY"],
  ["dependency with NUL", bytes("INDEX|x|\x00"), "BAD_DEPENDENCY"],
  ["dependency with DEL", bytes("INDEX|x|a,\x7f"), "BAD_DEPENDENCY"],
  ["dependency with lone CR", bytes("INDEX|x|a\r"), "BAD_DEPENDENCY"],
  ["dependency with UTF-8 ☃", Buffer.from("INDEX|x|emacs☃elisp", "utf8"), "BAD_DEPENDENCY"],
  ["dependency with byte 0xE9", bytes("INDEX|x|caf\xe9"), "BAD_DEPENDENCY"],
  ["dependency of 256 bytes", bytes(`INDEX|x|${NAME_256}`), "BAD_DEPENDENCY"],
  ["first dependency of 256 bytes", bytes(`INDEX|x|${NAME_256},a`), "BAD_DEPENDENCY"],
  ["middle dependency of 256 bytes", bytes(`INDEX|x|a,${NAME_256},b`), "BAD_DEPENDENCY"],
  // REMOVE and QUERY need a well-formed third field too.
  ["REMOVE with a,,b", bytes("REMOVE|a|a,,b"), "EMPTY_DEPENDENCY"],
  ["REMOVE with trailing comma", bytes("REMOVE|a|b,"), "EMPTY_DEPENDENCY"],
  ["REMOVE with ,", bytes("REMOVE|a|,"), "EMPTY_DEPENDENCY"],
  ["REMOVE with space", bytes("REMOVE|a|b c"), "BAD_DEPENDENCY"],
  ["REMOVE with 256-byte entry", bytes(`REMOVE|a|${NAME_256}`), "BAD_DEPENDENCY"],
  ["QUERY with ,", bytes("QUERY|a|,"), "EMPTY_DEPENDENCY"],
  ["QUERY with tab", bytes("QUERY|a|\t"), "BAD_DEPENDENCY"],
  ["QUERY with UTF-8", Buffer.from("QUERY|a|☃", "utf8"), "BAD_DEPENDENCY"],
  // Precedence: field count, then command, then name, then dependencies left to right.
  ["four fields and unknown command", bytes("LIZARD|a b|c|d"), "FIELD_COUNT"],
  ["unknown command and bad name", bytes("LIZARD|a b|"), "UNKNOWN_COMMAND"],
  ["bad name and bad dependency", bytes("INDEX|a b|,"), "BAD_NAME"],
  ["empty entry before a bad one", bytes("INDEX|x|,a b"), "EMPTY_DEPENDENCY"],
  ["bad entry before an empty one", bytes("INDEX|x|a b,"), "BAD_DEPENDENCY"],
];

describe("scanLine: malformed lines", () => {
  it.each(malformed)("%s gives its code", (_label, line, expected) => {
    const { err } = parse(line);
    expect(errName(err)).toBe(expected);
    expect(err).toBe(PROTOCOL_ERRORS[expected].code);
  });

  it("leaves the shape alone on error", () => {
    for (const [, line, expected] of malformed) {
      const shape = createLineShape();
      expect(scanLine(line, 0, line.length, shape)).toBe(PROTOCOL_ERRORS[expected].code);
      expect(shape).toEqual(createLineShape());
    }
  });

  it("names: 255 bytes pass, 256 fail, also for the first and last byte values", () => {
    expect(parse(`INDEX|${NAME_255}|`).err).toBe(0);
    expect(parse(`INDEX|${NAME_256}|`).err).toBe(PROTOCOL_ERRORS.BAD_NAME.code);
    expect(parse(`INDEX|${"!".repeat(255)}|`).err).toBe(0);
    expect(parse(`INDEX|${"~".repeat(255)}|`).err).toBe(0);
    expect(parse(`INDEX|${"~".repeat(256)}|`).err).toBe(PROTOCOL_ERRORS.BAD_NAME.code);
  });

  it("dependencies: 255 bytes pass, 256 fail, in every position", () => {
    for (const deps of [[NAME_255], [NAME_255, "a"], ["a", NAME_255], ["a", NAME_255, "b"]]) {
      expect(parse(`INDEX|x|${deps.join(",")}`).deps).toEqual(deps);
    }
    for (const deps of [[NAME_256], [NAME_256, "a"], ["a", NAME_256], ["a", NAME_256, "b"]]) {
      expect(parse(`INDEX|x|${deps.join(",")}`).err).toBe(PROTOCOL_ERRORS.BAD_DEPENDENCY.code);
    }
  });

  it("every byte outside 0x21-0x7E is refused in a name and in a dependency", () => {
    const { BAD_NAME, BAD_DEPENDENCY, FIELD_COUNT } = PROTOCOL_ERRORS;
    // [name error, dependency error] for the line with byte b inside a name / a dependency.
    const expectedFor = (c: string): [number, number] => {
      if (c === "|") return [FIELD_COUNT.code, FIELD_COUNT.code];
      if (c === ",") return [BAD_NAME.code, 0]; // a,b as a dependency list is two names
      return c >= "!" && c <= "~" ? [0, 0] : [BAD_NAME.code, BAD_DEPENDENCY.code];
    };
    for (let b = 0; b < 256; b++) {
      const c = String.fromCharCode(b);
      const got = [b, parse(bytes(`INDEX|a${c}b|`)).err, parse(bytes(`INDEX|x|a${c}b`)).err];
      expect(got).toEqual([b, ...expectedFor(c)]);
    }
  });
});

// ---------------------------------------------------------------------------
// Valid lines

/** A test title for a line that may be hundreds of bytes long. */
function shorten(line: string): string {
  return line.length > 60 ? `${line.slice(0, 40)}… (${line.length} bytes)` : line;
}

describe("scanLine: valid lines", () => {
  const valid: [line: string, command: number, name: string, deps: string[]][] = [
    ["INDEX|gtk+3|", CMD_INDEX, "gtk+3", []],
    ["INDEX|libsigc++|gtk+3", CMD_INDEX, "libsigc++", ["gtk+3"]],
    ["INDEX|python@3.12|", CMD_INDEX, "python@3.12", []],
    ["INDEX|@scope/pkg|@scope/other,python@3.12", CMD_INDEX, "@scope/pkg", ["@scope/other", "python@3.12"]],
    ["INDEX|emacs=elisp|", CMD_INDEX, "emacs=elisp", []],
    ["INDEX|emacs+elisp|", CMD_INDEX, "emacs+elisp", []],
    ["INDEX|a|", CMD_INDEX, "a", []],
    ["INDEX|a|b,c", CMD_INDEX, "a", ["b", "c"]],
    ["INDEX|a|b", CMD_INDEX, "a", ["b"]],
    ["INDEX|a|a", CMD_INDEX, "a", ["a"]],
    // Repeated names parse; the graph treats the list as a set.
    ["INDEX|a|b,b,c,b", CMD_INDEX, "a", ["b", "b", "c", "b"]],
    [`INDEX|${ALL_NAME_CHARS}|${ALL_NAME_CHARS},~`, CMD_INDEX, ALL_NAME_CHARS, [ALL_NAME_CHARS, "~"]],
    ["REMOVE|a|", CMD_REMOVE, "a", []],
    ["REMOVE|a|anything-wellformed", CMD_REMOVE, "a", []],
    ["REMOVE|a|x,y,z", CMD_REMOVE, "a", []],
    ["QUERY|a|", CMD_QUERY, "a", []],
    ["QUERY|python@3.12|whatever,else", CMD_QUERY, "python@3.12", []],
    [`QUERY|${NAME_255}|${NAME_255}`, CMD_QUERY, NAME_255, []],
  ];

  it.each(valid.map(([line, ...rest]) => [shorten(line), line, ...rest] as const))("%s", (_title, line, command, name, deps) => {
    expect(parse(line)).toEqual({ err: 0, command, name, deps });
  });

  it("scanLine records where the fields are", () => {
    const buf = bytes("INDEX|gtk+3|a,b");
    const shape = createLineShape();
    expect(scanLine(buf, 0, buf.length, shape)).toBe(0);
    expect(shape).toEqual({ command: CMD_INDEX, nameStart: 6, nameEnd: 11, depsStart: 12, depsEnd: 15 });
  });

  it("parses a line in the middle of a buffer using only [start, end)", () => {
    // Bytes around the line hold pipes and commas that must not be seen.
    const buf = bytes("|,|,QUERY|a|\nINDEX|p|q,r\n|,|,x");
    const start = 13;
    const end = 24;
    expect(parseAt(buf, start, end)).toEqual({ err: 0, command: CMD_INDEX, name: "p", deps: ["q", "r"] });
    // The same line cut short ("INDEX|p|q,", "INDEX|p|q") and one byte late (takes the \n).
    expect(parseAt(buf, start, end - 1).err).toBe(PROTOCOL_ERRORS.EMPTY_DEPENDENCY.code);
    expect(parseAt(buf, start, end - 2)).toEqual({ err: 0, command: CMD_INDEX, name: "p", deps: ["q"] });
    expect(parseAt(buf, start, end + 1).err).toBe(PROTOCOL_ERRORS.BAD_DEPENDENCY.code);
    expect(parseAt(buf, start, start).err).toBe(PROTOCOL_ERRORS.EMPTY_LINE.code);
  });

  it("works on a plain Uint8Array for scanLine", () => {
    const u8 = new Uint8Array(bytes("REMOVE|a|b"));
    expect(scanLine(u8, 0, u8.length, createLineShape())).toBe(0);
    expect(scanLine(u8, 0, 6, createLineShape())).toBe(PROTOCOL_ERRORS.FIELD_COUNT.code);
  });
});

// ---------------------------------------------------------------------------
// Field positions

describe("scanLine field positions", () => {
  it("point at every name byte exactly", () => {
    const line = bytes(`INDEX|${ALL_NAME_CHARS}|${ALL_NAME_CHARS}`);
    const p = parse(line);
    expect(p.name).toBe(ALL_NAME_CHARS);
    expect(p.deps).toEqual([ALL_NAME_CHARS]);
  });
});

// ---------------------------------------------------------------------------
// Property tests

/** A name as §2 says: 1-255 printable ASCII characters other than | and ,. */
function isReferenceName(n: string): boolean {
  return n.length >= 1 && n.length <= 255 && [...n].every((c) => c >= "!" && c <= "~" && c !== "|" && c !== ",");
}

type Reference = { err: ProtocolErrorName | null; command?: number; name?: string; deps?: string[] };

/** The §2 grammar written naively on strings, as a reference. */
function referenceParse(line: Uint8Array): Reference {
  const s = Buffer.from(line).toString("latin1");
  if (s === "") return { err: "EMPTY_LINE" };
  const fields = s.split("|");
  if (fields.length !== 3) return { err: "FIELD_COUNT" };
  const [cmd, name, depField] = fields;
  const command = ["INDEX", "REMOVE", "QUERY"].indexOf(cmd) + 1;
  if (command === 0) return { err: "UNKNOWN_COMMAND" };
  if (!isReferenceName(name)) return { err: "BAD_NAME" };
  const entries = depField === "" ? [] : depField.split(",");
  for (const entry of entries) {
    if (entry === "") return { err: "EMPTY_DEPENDENCY" };
    if (!isReferenceName(entry)) return { err: "BAD_DEPENDENCY" };
  }
  return { err: null, command, name, deps: command === CMD_INDEX ? entries : [] };
}

const enc = (s: string): Uint8Array => new Uint8Array(bytes(s));

const goodName = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom("a", "b", "gtk+3", "libsigc++", "python@3.12", "@scope/pkg", "emacs=elisp") },
  { weight: 3, arbitrary: fc.string({ unit: fc.constantFrom(...ALL_NAME_CHARS), minLength: 1, maxLength: 12 }) },
  { weight: 1, arbitrary: fc.constantFrom(NAME_255, NAME_256, "n".repeat(254), "n".repeat(257)) },
);

/** Tokens that make protocol-like byte strings: commands, separators, names, bad bytes. */
const token: fc.Arbitrary<Uint8Array> = fc.oneof(
  { weight: 2, arbitrary: fc.constantFrom("INDEX", "REMOVE", "QUERY", "index", "QUER", "BLINDEX", "I").map(enc) },
  { weight: 3, arbitrary: fc.constantFrom("|", ",", ",", "\r", " ", "\t", "\x00", "\x7f", "\xe9").map(enc) },
  { weight: 1, arbitrary: fc.constant(new Uint8Array(Buffer.from("☃", "utf8"))) },
  { weight: 8, arbitrary: goodName.map(enc) },
);
const field = fc.array(token, { maxLength: 4 }).map((parts) => Buffer.concat(parts));
const commandField = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom("INDEX", "REMOVE", "QUERY").map((c) => Buffer.from(c)) },
  { weight: 1, arbitrary: field },
);
/** Token soup shaped like a request: usually a command and three fields, often not. */
const protocolLike = fc
  .tuple(commandField, fc.array(field, { minLength: 0, maxLength: 4 }))
  .map(([cmd, rest]) => new Uint8Array(Buffer.concat([cmd, ...rest.flatMap((f) => [Buffer.from("|"), f])])));

/** Mostly well-formed lines with occasional defects, so both sides of the grammar get exercised. */
const nearlyValid = fc
  .record({
    cmd: fc.oneof({ weight: 9, arbitrary: fc.constantFrom("INDEX", "REMOVE", "QUERY") }, { weight: 1, arbitrary: fc.constantFrom("INDEXX", "query", "") }),
    name: fc.oneof({ weight: 9, arbitrary: goodName }, { weight: 1, arbitrary: fc.constantFrom("", "a b", "a\tb", "\xff", "a,b") }),
    deps: fc.array(fc.oneof({ weight: 12, arbitrary: goodName }, { weight: 1, arbitrary: fc.constantFrom("", "a b", "\x01", "x\r") }), { maxLength: 5 }),
    extraField: fc.oneof({ weight: 15, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: goodName }),
  })
  .map(({ cmd, name, deps, extraField }) => enc(`${cmd}|${name}|${deps.join(",")}${extraField === null ? "" : `|${extraField}`}`));

/** Parses `line` and compares with the reference; returns whether the line was valid. */
function checkAgainstReference(line: Uint8Array): boolean {
  const { err, ...parsed } = parse(Buffer.from(line));
  const got: Reference = err === 0 ? { err: null, ...parsed } : { err: errName(err) as ProtocolErrorName };
  expect(got).toEqual(referenceParse(line));
  return err === 0;
}

describe("scanLine properties", () => {
  it("never throws and gives one result on arbitrary bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (line) => {
        const code = scanLine(line, 0, line.length, createLineShape());
        expect(code === 0 || PROTOCOL_ERROR_BY_CODE[code] !== undefined).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it("agrees with a naive reference of the grammar on arbitrary bytes", () => {
    let runs = 0;
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (line) => {
        runs++;
        checkAgainstReference(line);
      }),
      { numRuns: 2000 },
    );
    expect(runs).toBeGreaterThanOrEqual(2000);
  });

  it("agrees with a naive reference of the grammar on protocol-like bytes", () => {
    let valid = 0;
    let runs = 0;
    fc.assert(
      fc.property(protocolLike, (line) => {
        runs++;
        if (checkAgainstReference(line)) valid++;
      }),
      { numRuns: 3000 },
    );
    expect(valid / runs).toBeGreaterThan(0.01);
  });

  it("agrees with a naive reference of the grammar on nearly valid lines", () => {
    let valid = 0;
    let runs = 0;
    fc.assert(
      fc.property(nearlyValid, (line) => {
        runs++;
        if (checkAgainstReference(line)) valid++;
      }),
      { numRuns: 3000 },
    );
    // Both valid and invalid lines must be common for this property to mean something.
    expect(valid / runs).toBeGreaterThan(0.2);
    expect(valid / runs).toBeLessThan(0.9);
  });

  it("gives exactly one result per line of a framed stream", () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(protocolLike, nearlyValid, fc.uint8Array({ maxLength: 40 })), { maxLength: 30 }), (lines) => {
        // Lines must not contain a newline to stay one line each.
        const clean = lines.map((l) => l.map((b) => (b === 10 ? 0x3f : b)));
        const stream = Buffer.concat(clean.flatMap((l) => [l, Buffer.from("\n")]));
        const results: number[] = [];
        const framer = new LineFramer(1 << 16);
        framer.push(stream, (buf, start, end) => {
          results.push(scanLine(buf, start, end, createLineShape()));
        });
        expect(results.length).toBe(clean.length);
        expect(framer.pendingBytes).toBe(0);
      }),
      { numRuns: 500 },
    );
  });

  it("never reads a byte outside [start, end) of the line", () => {
    // Lines share one socket chunk in production: a search that runs past the
    // end of a line costs time proportional to the rest of the chunk, so a
    // chunk of short lines is parsed in quadratic time.
    fc.assert(
      fc.property(fc.oneof(protocolLike, nearlyValid), fc.uint8Array({ maxLength: 50 }), (line, tail) => {
        const prefix = bytes("QUERY|p|q,r\n|,");
        const buf = Buffer.concat([prefix, line, bytes("\n|,|,,|"), tail, bytes("|,")]);
        const start = prefix.length;
        const end = start + line.length;
        const touched = { min: Infinity, max: -Infinity };
        const watched = watchReads(buf, touched);
        const code = scanLine(watched, start, end, createLineShape());
        expect(code).toBe(scanLine(buf, start, end, createLineShape()));
        const outside = touched.max !== -Infinity && (touched.min < start || touched.max >= end);
        expect(outside ? `read bytes [${touched.min}, ${touched.max}] of a line at [${start}, ${end})` : null).toBeNull();
      }),
      { numRuns: 1000 },
    );
  });
});

/**
 * A view of `buf` that records the lowest and highest byte index read, by
 * indexing or by indexOf (which reads up to its match, or to the end).
 */
function watchReads(buf: Buffer, touched: { min: number; max: number }): Buffer {
  const note = (i: number): void => {
    if (i < touched.min) touched.min = i;
    if (i > touched.max) touched.max = i;
  };
  return new Proxy(buf, {
    get(target, key) {
      if (typeof key === "string" && /^\d+$/.test(key)) {
        note(Number(key));
        return target[Number(key)];
      }
      if (key === "indexOf") {
        return (value: number, from = 0): number => {
          const found = target.indexOf(value, from);
          note(from);
          note(found === -1 ? target.length - 1 : found);
          return found;
        };
      }
      const v: unknown = Reflect.get(target, key, target);
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
}
