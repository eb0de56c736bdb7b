import { DependencyGraph } from "@pkgindex/graph";
import { afterEach, describe, expect, it, vi } from "vitest";
import { IndexEngine } from "../src/index-engine.ts";
import { StoreHealthReporter, type StoreHealth } from "../src/store-health-reporter.ts";
import { ControlledStore } from "./support/controlled-store.ts";
import { capturingLogger } from "./support/test-config.ts";

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

afterEach(() => {
  vi.useRealTimers();
});

/** An engine whose next commit the store refuses as full, and whose probes fail until `store.full` is cleared. */
function setUp() {
  const store = new ControlledStore();
  const engine = new IndexEngine(new DependencyGraph(), store);
  const { logger, lines } = capturingLogger();
  const health: StoreHealth[] = [];
  const reporter = new StoreHealthReporter(engine, logger, (h) => health.push(h));
  const fillUp = async (): Promise<void> => {
    engine.applyBatch(Buffer.from("INDEX|a|\n"));
    engine.hold(() => undefined);
    await nextTurn();
    store.full = true;
    store.failNextFull();
    await nextTurn();
  };
  const errors = () => lines.filter((l) => l.level === 50);
  return { store, engine, lines, health, reporter, fillUp, errors };
}

describe("StoreHealthReporter", () => {
  it("one error line when the store turns read-only, one a minute while it stays so, one info line when writable again", async () => {
    // Only the reporter's clock and reminder are faked; the engine's probe
    // timer stays real and keeps failing (the store stays full).
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval", "performance"] });
    const { store, engine, lines, health, fillUp, errors } = setUp();
    await fillUp();
    expect(errors()).toHaveLength(1);
    expect(errors()[0]).toMatchObject({ code: "PKGI_DB_FULL", msg: expect.stringMatching(/^store full: read-only/) });
    expect(String(errors()[0].reason)).toMatch(/SQLITE_FULL/);
    expect(health).toEqual([{ writable: false, reason: expect.stringMatching(/disk or quota is full/) }]);

    engine.applyBatch(Buffer.from("INDEX|b|\nREMOVE|a|\nQUERY|a|\n"));
    vi.advanceTimersByTime(59_999);
    expect(errors()).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(errors()).toHaveLength(2);
    expect(errors()[1]).toMatchObject({ msg: "store still full: read-only", readOnlySeconds: 60, writesRefused: 2 });
    vi.advanceTimersByTime(120_000);
    expect(errors()).toHaveLength(4);

    const writable = new Promise<void>((resolve) => engine.onWritableChange((w) => w && resolve()));
    store.full = false;
    await writable;
    const info = lines.filter((l) => l.msg === "store writable again");
    expect(info).toHaveLength(1);
    expect(info[0]).toMatchObject({ level: 30, writesRefused: 2 });
    expect(health.at(-1)).toEqual({ writable: true, reason: "" });
    vi.advanceTimersByTime(600_000);
    expect(errors()).toHaveLength(4); // no reminders once writable
    await engine.stop();
  });

  it("a store that flaps (full again within the minute) gets no second 'store full' or recovery line until a minute has passed; it is counted", async () => {
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval", "performance"] });
    const { store, engine, lines, fillUp, errors } = setUp();
    const recoveries = () => lines.filter((l) => l.msg === "store writable again");
    await fillUp();
    const writable = new Promise<void>((resolve) => engine.onWritableChange((w) => w && resolve()));
    store.full = false;
    await writable;
    expect(recoveries()).toHaveLength(1);
    await fillUp(); // full again at once
    expect(errors()).toHaveLength(1);
    const again = new Promise<void>((resolve) => engine.onWritableChange((w) => w && resolve()));
    store.full = false;
    await again;
    expect(recoveries()).toHaveLength(1); // its "store full" line was folded, so is its recovery
    vi.advanceTimersByTime(60_000);
    await fillUp();
    expect(errors()).toHaveLength(2);
    expect(errors()[1]).toMatchObject({ msg: expect.stringMatching(/^store full/), earlierEpisodesNotLogged: 1 });
    await engine.stop();
  });
});
