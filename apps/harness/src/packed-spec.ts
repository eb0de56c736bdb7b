/**
 * The sequential specification of spec-model.ts over at most MAX_NAMES
 * names, with the whole index state packed into one number, so the
 * linearizability search can copy, compare and memoize states for free.
 * Tested against SpecModel on random sequences (test/packed-spec.test.ts).
 *
 * Layout: name i owns 7 bits at 128^i: 0 when not indexed, else
 * 1 + 2 * (bit mask of its dependencies). Six names use 42 bits, inside
 * the 53 bits a double holds exactly.
 */
export const MAX_NAMES = 6;

export const KIND_INDEX = 0;
export const KIND_REMOVE = 1;
export const KIND_QUERY = 2;

/** The empty index. */
export const EMPTY_STATE = 0;

const SLOT = 128;
const PLACE: readonly number[] = Array.from({ length: MAX_NAMES }, (_, i) => SLOT ** i);

function slotOf(state: number, name: number): number {
  return Math.floor(state / PLACE[name]) % SLOT;
}

/** Whether `name` is indexed in `state`. */
export function isIndexed(state: number, name: number): boolean {
  return (slotOf(state, name) & 1) === 1;
}

/** The dependency mask of `name` in `state` (0 when not indexed). */
export function depsMask(state: number, name: number): number {
  return slotOf(state, name) >>> 1;
}

/**
 * The result of one step: `ok` is the reply the spec owes (true: OK,
 * false: FAIL); `state` the state after it. Reused by the caller to avoid
 * an allocation per step.
 */
export interface Step {
  ok: boolean;
  state: number;
}

/** Applies one command to `state` and writes the reply and the next state into `out`. */
export function step(state: number, kind: number, name: number, deps: number, names: number, out: Step): void {
  out.state = state;
  if (kind === KIND_QUERY) {
    out.ok = isIndexed(state, name);
    return;
  }
  if (kind === KIND_REMOVE) {
    if (!isIndexed(state, name)) {
      out.ok = true;
      return;
    }
    const bit = 1 << name;
    for (let q = 0; q < names; q++) {
      if (q !== name && (depsMask(state, q) & bit) !== 0) {
        out.ok = false;
        return;
      }
    }
    out.ok = true;
    out.state = state - slotOf(state, name) * PLACE[name];
    return;
  }
  // INDEX: every dependency indexed, and none of them is the package or leads back to it.
  let reach = 0;
  for (let d = 0; d < names; d++) {
    if ((deps & (1 << d)) === 0) continue;
    if (!isIndexed(state, d)) {
      out.ok = false;
      return;
    }
    reach |= 1 << d;
  }
  // Transitive closure of the dependency masks, from the new dependencies.
  for (let frontier = reach; frontier !== 0; ) {
    let next = 0;
    for (let d = 0; d < names; d++) if ((frontier & (1 << d)) !== 0) next |= depsMask(state, d);
    frontier = next & ~reach;
    reach |= next;
  }
  if ((reach & (1 << name)) !== 0) {
    out.ok = false;
    return;
  }
  out.ok = true;
  out.state = state + (1 + 2 * deps - slotOf(state, name)) * PLACE[name];
}
