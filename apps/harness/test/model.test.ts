import { describe, expect, it } from "vitest";
import { Model, parseBrew, REPLY_ERROR, REPLY_FAIL, REPLY_OK } from "../src/index.ts";

// a <- b <- c (c depends on b, b on a)
const data = parseBrew("a:\nb: a\nc: b\n");
const [A, B, C] = [0, 1, 2];

describe("Model: brute-force INDEX", () => {
  it("accepts OK once the dependencies are acknowledged, and FAIL before", () => {
    const m = new Model(data);
    m.onIndexSent(B);
    expect(m.onIndexReply(B, REPLY_FAIL)).toBeNull();
    m.onIndexSent(A);
    expect(m.onIndexReply(A, REPLY_OK)).toBeNull();
    m.onIndexSent(B);
    expect(m.onIndexReply(B, REPLY_OK)).toBeNull();
    expect(m.indexedCount).toBe(2);
  });

  it("flags an OK for a package whose dependency was never indexed nor in flight", () => {
    const m = new Model(data);
    m.onIndexSent(B);
    expect(m.onIndexReply(B, REPLY_OK)).toMatch(/acknowledged before its dependency a was indexed/);
  });

  it("lets an OK count on a dependency still in flight, and flags it when that dependency then fails", () => {
    const ok = new Model(data);
    ok.onIndexSent(A);
    ok.onIndexSent(B);
    expect(ok.onIndexReply(B, REPLY_OK)).toBeNull();
    expect(ok.onIndexReply(A, REPLY_OK)).toBeNull();

    // b is sent before a is acknowledged (so b may fail); c counts on b.
    const bad = new Model(data);
    bad.onIndexSent(A);
    bad.onIndexSent(B);
    expect(bad.onIndexReply(A, REPLY_OK)).toBeNull();
    bad.onIndexSent(C);
    expect(bad.onIndexReply(C, REPLY_OK)).toBeNull();
    expect(bad.onIndexReply(B, REPLY_FAIL)).toMatch(/INDEX of c was answered OK while this, its dependency, was still in flight/);
  });

  it("flags a FAIL when every dependency was acknowledged before the request was sent", () => {
    const m = new Model(data);
    m.onIndexSent(A);
    m.onIndexReply(A, REPLY_OK);
    m.onIndexSent(B);
    expect(m.onIndexReply(B, REPLY_FAIL)).toMatch(/refused although every dependency had been acknowledged/);
  });

  it("does not flag a FAIL when a dependency was only acknowledged after the request was sent", () => {
    const m = new Model(data);
    m.onIndexSent(A);
    m.onIndexSent(B);
    m.onIndexReply(A, REPLY_OK);
    expect(m.onIndexReply(B, REPLY_FAIL)).toBeNull();
  });

  it("flags ERROR for a well-formed line", () => {
    const m = new Model(data);
    m.onIndexSent(A);
    expect(m.onIndexReply(A, REPLY_ERROR)).toMatch(/well-formed INDEX was answered ERROR/);
  });
});

function indexedModel(): Model {
  const m = new Model(data);
  for (const p of [A, B, C]) {
    m.onIndexSent(p);
    m.onIndexReply(p, REPLY_OK);
  }
  return m;
}

describe("Model: brute-force REMOVE and QUERY", () => {

  it("flags a REMOVE answered OK while a dependent stands", () => {
    const m = indexedModel();
    m.onRemoveSent(A);
    expect(m.onRemoveReply(A, REPLY_OK)).toMatch(/removed while its dependent b was still indexed/);
  });

  it("accepts removal leaves first, and flags a refused removal of a package nothing depends on", () => {
    const m = indexedModel();
    m.onRemoveSent(C);
    expect(m.onRemoveReply(C, REPLY_OK)).toBeNull();
    m.onRemoveSent(A);
    expect(m.onRemoveReply(A, REPLY_FAIL)).toBeNull();
    m.onRemoveSent(B);
    expect(m.onRemoveReply(B, REPLY_FAIL)).toMatch(/refused although every dependent had been acknowledged removed/);
  });

  it("lets a REMOVE count on a dependent's REMOVE in flight, and flags it when that one fails", () => {
    // b's REMOVE is sent while c stands (so it may fail); a's counts on it.
    const m = indexedModel();
    m.onRemoveSent(C);
    m.onRemoveSent(B);
    expect(m.onRemoveReply(C, REPLY_OK)).toBeNull();
    m.onRemoveSent(A);
    expect(m.onRemoveReply(A, REPLY_OK)).toBeNull();
    expect(m.onRemoveReply(B, REPLY_FAIL)).toMatch(/REMOVE of a was answered OK while this, its dependent, was still in flight/);
  });

  it("expects QUERY to match the acknowledged state", () => {
    const m = indexedModel();
    expect(m.onQueryReply(A, REPLY_OK)).toBeNull();
    expect(m.onQueryReply(A, REPLY_FAIL)).toMatch(/expected OK/);
    m.onRemoveSent(C);
    m.onRemoveReply(C, REPLY_OK);
    expect(m.onQueryReply(C, REPLY_FAIL)).toBeNull();
    expect(m.onQueryReply(C, REPLY_OK)).toMatch(/expected FAIL/);
  });

  it("in the clean-up phase takes OK and FAIL alike but not ERROR", () => {
    const m = new Model(data);
    m.assumeAllIndexed();
    expect(m.onCleanupReply(A, REPLY_FAIL)).toBeNull();
    expect(m.isIndexed(A)).toBe(true);
    expect(m.onCleanupReply(A, REPLY_OK)).toBeNull();
    expect(m.isIndexed(A)).toBe(false);
    expect(m.onCleanupReply(B, REPLY_ERROR)).toMatch(/ERROR/);
  });
});
