// Barrier handling of a task with input channels: aligned (exactly-once) or counted (at-least-once).

import type { CheckpointBarrier } from './events.ts';
import type { CheckpointingMode } from '../api/config.ts';

/**
 * Exactly-once: the first barrier n blocks its channel; each further channel is blocked as its
 * barrier n arrives; when all channels delivered n the checkpoint is taken and all unblock.
 * At-least-once: nothing is blocked; the checkpoint is taken when the last barrier n arrives.
 * A barrier newer than the one being aligned aborts the old alignment (the coordinator
 * subsumed it); an older one is ignored.
 */
export class BarrierAligner {
  readonly #mode: CheckpointingMode;
  readonly #blocked: boolean[];
  #current = -1;
  #arrived = 0;
  /**
   * When the first barrier of the current alignment arrived (ms), for metrics. Starts as a
   * non-integral number and is written twice here: a Smi 0 would make the first barrier's
   * performance.now() change the field's representation (Smi → double), deprecating this
   * class's map and deoptimizing every hot function that inlined isBlocked (the gate's read,
   * a same-thread producer's hand-over); a field written once may be compiled as a constant.
   */
  alignmentStartedAt = Number.NaN;

  constructor(numChannels: number, mode: CheckpointingMode) {
    this.#mode = mode;
    this.#blocked = new Array<boolean>(numChannels).fill(false);
    this.alignmentStartedAt = -0.5;
    this.alignmentStartedAt = Number.NaN;
  }

  /** Returns true when this barrier completes the alignment: take the checkpoint now. */
  onBarrier(channel: number, barrier: CheckpointBarrier): boolean {
    const id = barrier.checkpointId;
    if (id < this.#current || (id === this.#current && this.#arrived === 0)) return false; // stale or already done
    if (id > this.#current) {
      this.#reset();
      this.#current = id;
      this.alignmentStartedAt = performance.now();
    }
    if (this.#blocked[channel]) return false; // a second barrier n on one channel cannot happen; ignore
    this.#blocked[channel] = true;
    this.#arrived++;
    if (this.#arrived === this.#blocked.length) {
      this.#reset();
      this.#current = id;
      return true;
    }
    return false;
  }

  /** Exactly-once blocks channels whose barrier arrived; at-least-once never blocks. */
  isBlocked(channel: number): boolean {
    return this.#mode === 'exactly-once' && this.#blocked[channel] === true;
  }

  get aligning(): boolean {
    return this.#arrived > 0;
  }

  #reset(): void {
    this.#blocked.fill(false);
    this.#arrived = 0;
  }
}
