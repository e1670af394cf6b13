// Watermark alignment at a source subtask: report the watermark every update interval, pause reading while it is ahead of what the JobManager allows.

import type { WatermarkAlignmentSettings } from '../api/watermark-strategy.ts';
import type { OperatorContext } from './operator.ts';

/**
 * Until the first announcement the allowed maximum is −∞: a source pauses once it has a
 * watermark, and reads on when the JobManager has heard from every member of the group. The
 * member holding the minimum is never paused by the group (its watermark is the minimum), so
 * the group cannot stall; a stale maximum is only ever too low (it pauses early, not late).
 */
export class SourceAlignment {
  readonly #context: OperatorContext;
  readonly #settings: WatermarkAlignmentSettings;
  readonly #watermark: () => number;
  #maxAllowed = Number.NEGATIVE_INFINITY;
  #nextReport = Number.POSITIVE_INFINITY;
  #lastReported: number | undefined;
  #waiting: { promise: Promise<void>; resolve: () => void } | undefined;
  #finished = false;

  /** `watermark()`: the source's watermark for the group (+∞ when idle). */
  constructor(context: OperatorContext, settings: WatermarkAlignmentSettings, watermark: () => number) {
    this.#context = context;
    this.#settings = settings;
    this.#watermark = watermark;
  }

  get maxAllowed(): number {
    return this.#maxAllowed;
  }

  start(): void {
    this.#report();
    this.#nextReport = this.#context.currentProcessingTime() + this.#settings.updateInterval;
    this.#context.scheduleProcessingTime(this.#nextReport);
  }

  /** Whether reading must pause now (checked once per poll). */
  paused(watermark: number): boolean {
    return !this.#finished && watermark > this.#maxAllowed;
  }

  /** What a paused source waits for: the next announcement. */
  available(): Promise<void> {
    if (this.#waiting === undefined) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => { resolve = r; });
      this.#waiting = { promise, resolve };
    }
    return this.#waiting.promise;
  }

  get waiting(): boolean {
    return this.#waiting !== undefined;
  }

  update(maxAllowed: number): void {
    this.#maxAllowed = maxAllowed;
    const w = this.#waiting;
    this.#waiting = undefined;
    w?.resolve();
  }

  onProcessingTime(now: number): void {
    if (this.#finished) return;
    if (now < this.#nextReport) {
      this.#context.scheduleProcessingTime(this.#nextReport);
      return;
    }
    this.#report();
    this.#nextReport = now + this.#settings.updateInterval;
    this.#context.scheduleProcessingTime(this.#nextReport);
  }

  /** The source ended: it no longer holds the group back, and never pauses. */
  finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#context.reportSourceWatermark(this.#settings.group, Number.POSITIVE_INFINITY);
    this.update(Number.POSITIVE_INFINITY);
  }

  #report(): void {
    const w = this.#watermark();
    if (w === this.#lastReported) return;
    this.#lastReported = w;
    this.#context.reportSourceWatermark(this.#settings.group, w);
  }
}
