import type { Dataset } from "./dataset.ts";
import { dependentsOf } from "./dataset.ts";
import { REPLY_ERROR, REPLY_FAIL, REPLY_NAMES, REPLY_OK } from "./connection.ts";

const ABSENT = 0;
const INDEXED = 1;
const NONE = 0;
const INDEXING = 1;
const REMOVING = 2;

/**
 * The harness's own view of the index, built only from replies, and the
 * checks every reply must pass against it. The harness is assumed to be
 * the server's only client; it never loses a request (its disconnects
 * happen with nothing in flight), so its view is exact: a package is known
 * indexed from its INDEX's OK until its REMOVE's OK.
 *
 * A reply is judged when it arrives. If a request that could make it right
 * is still in flight (another client's INDEX of a dependency, say), the
 * judgement waits for that request's reply: it must then be OK, or the
 * first reply was wrong.
 *
 * Each method returns null when the reply is consistent, else what is wrong.
 */
export class Model {
  readonly data: Dataset;
  readonly dependents: number[][];
  private readonly state: Uint8Array;
  private readonly inFlight: Uint8Array;
  private readonly mustSucceed: Uint8Array;
  /** Package in flight -> the packages whose OK counted on it succeeding. */
  private readonly reliedOn = new Map<number, number[]>();
  indexedCount = 0;

  constructor(data: Dataset) {
    this.data = data;
    this.dependents = dependentsOf(data);
    const n = data.names.length;
    this.state = new Uint8Array(n);
    this.inFlight = new Uint8Array(n);
    this.mustSucceed = new Uint8Array(n);
  }

  isIndexed(p: number): boolean {
    return this.state[p] === INDEXED;
  }

  /** The server's state is unknown before the first phase: assume everything may be indexed. */
  assumeAllIndexed(): void {
    this.state.fill(INDEXED);
    this.indexedCount = this.state.length;
  }

  // --- remove everything (server state unknown) ---

  onCleanupReply(p: number, code: number): string | null {
    if (code === REPLY_ERROR) return "a well-formed REMOVE was answered ERROR";
    if (code === REPLY_OK) this.setState(p, ABSENT);
    return null;
  }

  // --- brute-force INDEX ---

  onIndexSent(p: number): void {
    this.inFlight[p] = INDEXING;
    let all = 1;
    for (const d of this.data.deps[p]) if (this.state[d] !== INDEXED) all = 0;
    this.mustSucceed[p] = all;
  }

  onIndexReply(p: number, code: number): string | null {
    this.inFlight[p] = NONE;
    const waiting = this.reliedOn.get(p);
    if (waiting !== undefined) this.reliedOn.delete(p);
    const names = this.data.names;
    if (code === REPLY_ERROR) return "a well-formed INDEX was answered ERROR";
    if (code === REPLY_OK) {
      for (const d of this.data.deps[p]) {
        if (this.state[d] === INDEXED) continue;
        if (this.inFlight[d] === INDEXING) this.rely(d, p);
        else return `acknowledged before its dependency ${names[d]} was indexed (no INDEX of ${names[d]} had succeeded or was in flight)`;
      }
      this.setState(p, INDEXED);
    } else if (this.mustSucceed[p] === 1) {
      return "refused although every dependency had been acknowledged indexed before it was sent";
    }
    if (waiting !== undefined && code !== REPLY_OK) {
      return `INDEX of ${names[waiting[0]]} was answered OK while this, its dependency, was still in flight; this then failed, so ${names[waiting[0]]} was acknowledged before its dependency`;
    }
    return null;
  }

  // --- brute-force REMOVE ---

  onRemoveSent(p: number): void {
    this.inFlight[p] = REMOVING;
    let all = 1;
    for (const q of this.dependents[p]) if (this.state[q] !== ABSENT) all = 0;
    this.mustSucceed[p] = all;
  }

  onRemoveReply(p: number, code: number): string | null {
    this.inFlight[p] = NONE;
    const waiting = this.reliedOn.get(p);
    if (waiting !== undefined) this.reliedOn.delete(p);
    const names = this.data.names;
    if (code === REPLY_ERROR) return "a well-formed REMOVE was answered ERROR";
    if (code === REPLY_OK) {
      for (const q of this.dependents[p]) {
        if (this.state[q] === ABSENT) continue;
        if (this.inFlight[q] === REMOVING) this.rely(q, p);
        else return `removed while its dependent ${names[q]} was still indexed (no REMOVE of ${names[q]} had succeeded or was in flight)`;
      }
      this.setState(p, ABSENT);
    } else if (this.mustSucceed[p] === 1) {
      return "refused although every dependent had been acknowledged removed before it was sent";
    }
    if (waiting !== undefined && code !== REPLY_OK) {
      return `REMOVE of ${names[waiting[0]]} was answered OK while this, its dependent, was still in flight; this then failed, so ${names[waiting[0]]} was removed while a dependent stood`;
    }
    return null;
  }

  // --- QUERY ---

  onQueryReply(p: number, code: number): string | null {
    const expected = this.state[p] === INDEXED ? REPLY_OK : REPLY_FAIL;
    if (code === expected) return null;
    return `expected ${REPLY_NAMES[expected]}: the package is ${expected === REPLY_OK ? "acknowledged indexed" : "not indexed"}`;
  }

  private rely(inFlight: number, p: number): void {
    const list = this.reliedOn.get(inFlight);
    if (list === undefined) this.reliedOn.set(inFlight, [p]);
    else list.push(p);
  }

  private setState(p: number, s: number): void {
    if (this.state[p] === s) return;
    this.state[p] = s;
    this.indexedCount += s === INDEXED ? 1 : -1;
  }
}
