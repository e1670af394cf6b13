// Where a task's time goes (Flink's busy / back-pressured / idle time), measured per scheduling step, never per record.

/** The task runs, or could run and waits for its thread. */
export const BUSY = 0;
/** The task's output waits for credit (a backlog, or a source with no room for its next poll). */
export const BACK_PRESSURED = 1;
/** Nothing to do: no input, a source waiting for data, or not running. */
export const IDLE = 2;
export type TaskTimeState = typeof BUSY | typeof BACK_PRESSURED | typeof IDLE;

/**
 * Accumulates wall time per state. The slot calls `enter(now, state)` around each step of the
 * task and once per scheduling slice for every task (and before each metrics report), so
 * the time between two calls goes to the state the task was in at the first: a task parked
 * with a backlog is back-pressured until the slot looks again (after the credit came back),
 * one with no input is idle. The granularity is one slice (≤ 5 ms), enough for per-second rates.
 *
 * Known skew: records that a producer hands straight to a same-thread keyed consumer
 * (RecordWriter's direct hand-over) are processed inside the producer's step, so their time
 * counts as the producer's busy time, as chaining does in Flink.
 */
export class TaskTime {
  #since: number;
  #state: TaskTimeState = IDLE;
  busyMs = 0;
  backPressuredMs = 0;
  idleMs = 0;

  constructor(now: number) {
    this.#since = now;
  }

  enter(now: number, state: TaskTimeState): void {
    const d = now - this.#since;
    if (d > 0) {
      if (this.#state === BUSY) this.busyMs += d;
      else if (this.#state === BACK_PRESSURED) this.backPressuredMs += d;
      else this.idleMs += d;
      this.#since = now;
    }
    this.#state = state;
  }
}
