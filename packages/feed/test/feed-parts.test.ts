import { describe, expect, it } from "vitest";
import { changeLine, forEachChange } from "../src/change-batch.ts";
import { changeJson, depsJson } from "../src/change-json.ts";
import { ChangeLog } from "../src/change-log.ts";
import { unservable } from "../src/feed-errors.ts";
import { FeedHub } from "../src/feed-hub.ts";
import { parseFeedQuery } from "../src/feed-query.ts";
import { encodeChanges, encodeEnding } from "../src/stream-encoding.ts";

describe("change text and JSON", () => {
  it("a batch's lines come back as they went in, names with JSON's special characters escaped once", () => {
    const text = changeLine(true, 'q"uote\\', "a,b") + changeLine(false, "gone", "") + changeLine(true, "bare", "");
    const seen: [boolean, string, string][] = [];
    expect(forEachChange(text, (indexed, name, deps) => seen.push([indexed, name, deps]))).toBe(3);
    expect(seen).toEqual([
      [true, 'q"uote\\', "a,b"],
      [false, "gone", ""],
      [true, "bare", ""],
    ]);
    const json = changeJson(7, true, 'q"uote\\', 'x"y,z');
    expect(JSON.parse(json)).toEqual({ rev: 7, command: "INDEX", name: 'q"uote\\', deps: ['x"y', "z"] });
    expect(JSON.parse(changeJson(8, false, "gone", ""))).toEqual({ rev: 8, command: "REMOVE", name: "gone", deps: [] });
    expect(depsJson("")).toBe("[]");
  });

  it("stream encodings: NDJSON lines, SSE events with id = revision, and the last words of each", () => {
    const jsons = [changeJson(4, true, "a", ""), changeJson(5, false, "a", "")];
    expect(encodeChanges(false, 4, jsons)).toBe(`${jsons[0]}\n${jsons[1]}\n`);
    expect(encodeChanges(true, 4, jsons)).toBe(`id: 4\ndata: ${jsons[0]}\n\nid: 5\ndata: ${jsons[1]}\n\n`);
    expect(JSON.parse(encodeEnding(false, "cut_off", "too slow", 5))).toEqual({ error: "cut_off", reason: "too slow", last_rev: 5 });
    expect(encodeEnding(true, "cut_off", "too slow", 5)).toBe(": cut_off: too slow; resume with Last-Event-ID: 5\n\n");
  });
});

describe("ChangeLog", () => {
  it("is a window over consecutive revisions; retention by count moves its start", () => {
    const log = new ChangeLog({ revisions: 3 });
    log.reset(10);
    expect([log.oldest, log.current]).toEqual([11, 10]);
    for (let r = 11; r <= 15; r++) log.append(`j${r}`, 0);
    expect([log.oldest, log.current]).toEqual([13, 15]);
    expect([log.json(13), log.json(15)]).toEqual(["j13", "j15"]);
  });

  it("retention by age drops what was published before the age", () => {
    const log = new ChangeLog({ ageMs: 1000 });
    log.append("a", 0);
    log.append("b", 500);
    log.append("c", 1200); // drops a (older than 200)
    expect([log.oldest, log.current]).toEqual([2, 3]);
    log.pruneOlderThan(1201);
    expect([log.oldest, log.current]).toEqual([4, 3]);
  });

  it("stays correct across its compactions", () => {
    const log = new ChangeLog({ revisions: 100 });
    for (let r = 1; r <= 20_000; r++) log.append(String(r), r);
    expect([log.oldest, log.current]).toEqual([19_901, 20_000]);
    for (let r = 19_901; r <= 20_000; r++) expect(log.json(r)).toBe(String(r));
  });
});

describe("FeedHub", () => {
  it("starts from the loaded index and its history, folds each batch, and tells listeners once per batch", () => {
    const hub = new FeedHub({});
    hub.init(3, "a|\nb|a\n", [{ first: 1, at: 0, text: "+a|\n+b|\n" }, { first: 3, at: 1, text: "+b|a\n" }]);
    expect([hub.oldestRetained, hub.currentRevision]).toEqual([1, 3]);
    const told: [number, number][] = [];
    hub.onCommitted((first, last) => told.push([first, last]));
    hub.append({ first: 4, at: 2, text: "+c|a,b\n-b|\n" });
    expect(told).toEqual([[4, 5]]);
    expect(hub.changesSince(2, 10).map((j) => (JSON.parse(j) as { rev: number }).rev)).toEqual([3, 4, 5]);
    expect(hub.changesSince(2, 2).length).toBe(2);
    const snap = hub.snapshot();
    expect(snap.revision).toBe(5);
    expect(new Map(snap.packages)).toEqual(new Map([["a", "[]"], ["c", '["a","b"]']]));
    // The snapshot is a copy: later changes do not touch it.
    hub.append({ first: 6, at: 3, text: "-c|\n" });
    expect(snap.packages.length).toBe(2);
    expect(hub.size).toBe(1);
  });

  it("refuses a batch out of sequence, and a history that does not end at the index's revision", () => {
    const hub = new FeedHub({});
    hub.init(0, "", []);
    expect(() => hub.append({ first: 2, at: 0, text: "+a|\n" })).toThrow(/expected revision 1, got 2/);
    expect(() => new FeedHub({}).init(5, "", [{ first: 1, at: 0, text: "+a|\n" }])).toThrow(/history ends at 1, the index is at 5/);
  });

  it("rows (a store's change table) give the same JSON and fold as batches, one announcement per call", () => {
    const fromBatches = new FeedHub({});
    fromBatches.init(0, "", []);
    fromBatches.append({ first: 1, at: 5, text: "+a|\n+b|a\n-a|\n" });
    const fromRows = new FeedHub({});
    fromRows.start(0, [], []);
    const told: [number, number][] = [];
    fromRows.onCommitted((first, last) => told.push([first, last]));
    fromRows.appendRows([
      { revision: 1, indexed: true, name: "a", deps: "", at: 5 },
      { revision: 2, indexed: true, name: "b", deps: "a", at: 5 },
      { revision: 3, indexed: false, name: "a", deps: "", at: 5 },
    ]);
    fromRows.appendRows([]);
    expect(told).toEqual([[1, 3]]);
    expect(fromRows.changesSince(0, 10)).toEqual(fromBatches.changesSince(0, 10));
    expect(fromRows.snapshot()).toEqual(fromBatches.snapshot());
    expect(() => fromRows.appendRows([{ revision: 5, indexed: true, name: "x", deps: "", at: 6 }])).toThrow(/expected revision 4, got 5/);
  });

  it("start again: a new fold and history from a snapshot, and the listeners told, so streams behind the new oldest are cut", () => {
    const hub = new FeedHub({});
    hub.start(2, [["a", ""], ["b", "a"]], [
      { revision: 1, indexed: true, name: "a", deps: "", at: 0 },
      { revision: 2, indexed: true, name: "b", deps: "a", at: 0 },
    ]);
    expect([hub.oldestRetained, hub.currentRevision]).toEqual([1, 2]);
    const told: [number, number][] = [];
    hub.onCommitted((first, last) => told.push([first, last]));
    hub.start(9, [["z", ""]], [{ revision: 9, indexed: true, name: "z", deps: "", at: 1 }]);
    expect(told).toEqual([[3, 9]]);
    expect([hub.oldestRetained, hub.currentRevision]).toEqual([9, 9]);
    expect(unservable(2, hub)).toMatchObject({ status: 410, body: { error: "compacted", oldest: 9 } });
    expect(new Map(hub.snapshot().packages)).toEqual(new Map([["z", "[]"]]));
    // No history: the log starts empty at the snapshot's revision.
    hub.start(12, [], []);
    expect([hub.oldestRetained, hub.currentRevision, hub.size]).toEqual([13, 12, 0]);
    expect(() => hub.start(4, [], [{ revision: 2, indexed: true, name: "a", deps: "", at: 0 }, { revision: 4, indexed: true, name: "b", deps: "", at: 0 }])).toThrow(/history expected revision 3, got 4/);
  });

  it("410 below the oldest held and above the current; since = oldest - 1 and since = current are fine", () => {
    const hub = new FeedHub({ revisions: 2 });
    hub.init(0, "", []);
    hub.append({ first: 1, at: 0, text: "+a|\n+b|\n+c|\n+d|\n" });
    expect([hub.oldestRetained, hub.currentRevision]).toEqual([3, 4]);
    expect(unservable(1, hub)).toMatchObject({ status: 410, body: { error: "compacted", oldest: 3, current: 4 } });
    expect(unservable(2, hub)).toBeNull();
    expect(unservable(4, hub)).toBeNull();
    expect(unservable(5, hub)).toMatchObject({ status: 410, body: { error: "unknown_revision" } });
  });
});

const parse = (query: string, lastEventId?: string) => parseFeedQuery(new URLSearchParams(query), lastEventId);

describe("parseFeedQuery", () => {
  it("defaults: normal from 0, and Last-Event-ID wins over since for eventsource only", () => {
    expect(parse("")).toMatchObject({ mode: "normal", since: 0, limit: 1000, heartbeatMs: 30_000 });
    expect(parse("since=now&feed=continuous")).toMatchObject({ mode: "continuous", since: null });
    expect(parse("since=3&feed=eventsource", "9")).toMatchObject({ since: 9 });
    expect(parse("since=3&feed=continuous", "9")).toMatchObject({ since: 3 });
  });

  it.each(["since=x", "since=1.5", "feed=stream", "limit=0", "limit=100001", "timeout=-1", "heartbeat=99"])("400 for %s", (query) => {
    expect(parse(query)).toMatchObject({ status: 400, body: { error: "bad_request" } });
  });
});
