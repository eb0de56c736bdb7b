import * as fc from "fast-check";
import { REPLY_ERROR, REPLY_FAIL, REPLY_OK, REPLY_PENDING, REPLY_TEXT } from "@pkgindex/protocol";
import { describe, expect, it } from "vitest";
import { ReplyRing } from "../src/reply-ring.ts";

// The reference: an array of slots, each a code or "pending"; pending ones
// are filled oldest first; only the ready prefix is ever taken.
type Op = { kind: "push"; code: number } | { kind: "resolve"; code: number } | { kind: "take" };

const code = fc.constantFrom(REPLY_OK, REPLY_FAIL, REPLY_ERROR);
const op: fc.Arbitrary<Op> = fc.oneof(
  code.map((c) => ({ kind: "push" as const, code: c })),
  fc.constant({ kind: "push" as const, code: REPLY_PENDING }),
  code.map((c) => ({ kind: "resolve" as const, code: c })),
  fc.constant({ kind: "take" as const }),
);

describe("ReplyRing", () => {
  it("behaves as a FIFO of slots whose pending ones resolve in order, across growth", () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 400 }), (ops) => {
        const ring = new ReplyRing();
        const model: number[] = [];
        // One line per step, "taken|size|pending|ready", from each side.
        const seen: string[] = [];
        const expected: string[] = [];
        for (const o of ops) {
          let out = "";
          let want = "";
          if (o.kind === "push") {
            ring.push(o.code);
            model.push(o.code);
          } else if (o.kind === "resolve") {
            ring.resolve(o.code);
            const at = model.indexOf(REPLY_PENDING);
            if (at >= 0) model[at] = o.code;
          } else {
            let n = 0;
            while (n < model.length && model[n] !== REPLY_PENDING) n++;
            const taken = model.splice(0, n);
            out = ring.takeReady()?.toString("latin1") ?? "";
            want = taken.map((c) => REPLY_TEXT[c]).join("");
          }
          const pending = model.filter((c) => c === REPLY_PENDING).length;
          seen.push(`${out}|${ring.size}|${ring.pendingCount}|${ring.readyCount}`);
          expected.push(`${want}|${model.length}|${pending}|${model.length - pending}`);
        }
        expect(seen).toEqual(expected);
      }),
    );
  });

  it("an ERROR answered locally never overtakes an earlier pending command", () => {
    const ring = new ReplyRing();
    ring.push(REPLY_PENDING);
    ring.push(REPLY_ERROR);
    expect(ring.takeReady()).toBeNull();
    ring.resolve(REPLY_OK);
    expect(ring.takeReady()!.toString()).toBe("OK\nERROR\n");
  });

  it("a resolve with nothing pending (a reset connection) is ignored", () => {
    const ring = new ReplyRing();
    ring.push(REPLY_OK);
    ring.resolve(REPLY_FAIL);
    expect(ring.takeReady()!.toString()).toBe("OK\n");
    expect(ring.size).toBe(0);
  });

  it("takes every ready reply at the head as one buffer", () => {
    const ring = new ReplyRing();
    for (const c of [REPLY_OK, REPLY_FAIL, REPLY_ERROR, REPLY_OK]) ring.push(c);
    ring.push(REPLY_PENDING);
    ring.push(REPLY_OK);
    expect(ring.takeReady()!.toString()).toBe("OK\nFAIL\nERROR\nOK\n");
    expect(ring.size).toBe(2);
  });

  it("clear (an abandoned connection) drops pending and ready slots, and the ring works on after it", () => {
    const ring = new ReplyRing();
    for (let i = 0; i < 40; i++) ring.push(i % 3 === 0 ? REPLY_PENDING : REPLY_OK);
    ring.clear();
    expect([ring.size, ring.pendingCount, ring.readyCount]).toEqual([0, 0, 0]);
    expect(ring.takeReady()).toBeNull();
    ring.resolve(REPLY_FAIL); // a late code for a dropped slot is ignored
    ring.push(REPLY_PENDING);
    ring.resolve(REPLY_FAIL);
    expect(ring.takeReady()!.toString()).toBe("FAIL\n");
  });
});
