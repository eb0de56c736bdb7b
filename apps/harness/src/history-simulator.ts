import type { History, HistoryOp } from "./history.ts";
import { randomOperation } from "./op-mix.ts";
import { Rng } from "./rng.ts";
import { SpecModel } from "./spec-model.ts";

export interface SimulateOptions {
  /** Clients, each with one operation in flight at a time. */
  clients: number;
  /** Operations in the history. */
  ops: number;
  /** Names the operations use (at most 6 for the checker). */
  names: number;
  seed: number;
  /** Percent of operations whose reply is lost (half of them take effect, half never do). */
  unanswered?: number;
}

/**
 * A linearizable history by construction, for testing the checker and
 * measuring its speed without a server: each client's operation takes
 * effect (through SpecModel) at a random instant between its invocation and
 * its response, in the order of those instants, so the instants are a
 * linearization. Times are in simulated milliseconds.
 */
export function simulateHistory(options: SimulateOptions): History {
  const rng = new Rng(options.seed, 7);
  const names = Array.from({ length: options.names }, (_, i) => `sim.${String.fromCharCode(97 + i)}`);
  const model = new SpecModel();
  const ops: HistoryOp[] = [];
  const IDLE = 0;
  const BEFORE_EFFECT = 1;
  const AFTER_EFFECT = 2;
  const phase = new Uint8Array(options.clients);
  const pending: (HistoryOp | null)[] = new Array(options.clients).fill(null);
  const lost: boolean[] = new Array(options.clients).fill(false);
  const applies: boolean[] = new Array(options.clients).fill(true);
  const effectAt = new Float64Array(options.clients);
  const respondAt = new Float64Array(options.clients);
  const idleAt = Float64Array.from({ length: options.clients }, () => rng.float());
  let issued = 0;
  for (;;) {
    // The client whose next event (invocation, effect or response) comes first.
    let who = -1;
    let when = Number.POSITIVE_INFINITY;
    for (let c = 0; c < options.clients; c++) {
      const t = phase[c] === IDLE ? (issued < options.ops ? idleAt[c] : Number.POSITIVE_INFINITY) : phase[c] === BEFORE_EFFECT ? effectAt[c] : respondAt[c];
      if (t < when) {
        when = t;
        who = c;
      }
    }
    if (who === -1) break;
    if (phase[who] === IDLE) {
      const op = randomOperation(rng, names, who);
      op.invoke = when;
      ops.push(op);
      issued++;
      pending[who] = op;
      effectAt[who] = when + rng.float();
      respondAt[who] = effectAt[who] + rng.float();
      lost[who] = rng.percent(options.unanswered ?? 0);
      applies[who] = !lost[who] || rng.percent(50);
      phase[who] = BEFORE_EFFECT;
    } else if (phase[who] === BEFORE_EFFECT) {
      const op = pending[who]!;
      if (applies[who]) {
        const reply = model.apply(`${op.command}|${op.name}|${op.deps.join(",")}`);
        if (!lost[who]) op.reply = reply;
      }
      phase[who] = AFTER_EFFECT;
    } else {
      if (!lost[who]) pending[who]!.respond = when;
      pending[who] = null;
      phase[who] = IDLE;
      idleAt[who] = when + rng.float() * 0.2;
    }
  }
  return { label: `simulated (seed ${options.seed})`, names, ops };
}
