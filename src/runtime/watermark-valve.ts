// The watermark of a task with several input channels: the minimum over its active channels; idle channels do not hold it back.
//
// Each channel has a watermark and a status (active | idle). The output watermark is the
// minimum over channels that are active and aligned; a channel is aligned once its
// watermark reached the last output (a channel that comes back from idle behind the
// output must catch up before it counts again, so the output never goes backwards). When
// the last active channel goes idle, the output advances to the maximum over all channels
// (nothing holds it back any more) and the task goes idle itself; the first channel that
// becomes active again makes it active. Watermarks that arrive on an idle channel are
// ignored (a well-behaved producer marks itself active first), as Flink's StatusWatermarkValve.
// Rejected: excluding idle channels by giving them +Infinity: a channel that wakes up
// would then pull the output back.

/** What the valve tells its task to emit downstream. */
export interface ValveOutput {
  emitWatermark(timestamp: number): void;
  emitWatermarkStatus(idle: boolean): void;
}

export class WatermarkValve {
  readonly #watermarks: Float64Array;
  readonly #idle: boolean[];
  readonly #aligned: boolean[];
  readonly #output: ValveOutput;
  #last = Number.NEGATIVE_INFINITY;
  #outputIdle = false;

  constructor(channels: number, output: ValveOutput) {
    this.#watermarks = new Float64Array(channels).fill(Number.NEGATIVE_INFINITY);
    this.#idle = new Array<boolean>(channels).fill(false);
    this.#aligned = new Array<boolean>(channels).fill(true);
    this.#output = output;
  }

  /** The last watermark emitted (-Infinity before any). */
  get watermark(): number {
    return this.#last;
  }

  get idle(): boolean {
    return this.#outputIdle;
  }

  inputWatermark(channel: number, timestamp: number): void {
    if (this.#idle[channel] || timestamp <= this.#watermarks[channel]!) return;
    this.#watermarks[channel] = timestamp;
    if (!this.#aligned[channel] && timestamp >= this.#last) this.#aligned[channel] = true;
    this.#emitMinimum();
  }

  inputStatus(channel: number, idle: boolean): void {
    if (this.#idle[channel] === idle) return;
    this.#idle[channel] = idle;
    if (idle) {
      this.#aligned[channel] = false;
      if (this.#idle.every((i) => i)) {
        // Nothing holds the watermark back any more: release what the channels already promised.
        let max = Number.NEGATIVE_INFINITY;
        for (const w of this.#watermarks) if (w > max) max = w;
        if (max > this.#last) {
          this.#last = max;
          this.#output.emitWatermark(max);
        }
        this.#outputIdle = true;
        this.#output.emitWatermarkStatus(true);
      } else {
        this.#emitMinimum();
      }
    } else {
      this.#aligned[channel] = this.#watermarks[channel]! >= this.#last;
      if (this.#outputIdle) {
        this.#outputIdle = false;
        this.#output.emitWatermarkStatus(false);
      }
    }
  }

  #emitMinimum(): void {
    let min = Number.POSITIVE_INFINITY;
    let any = false;
    const w = this.#watermarks;
    for (let i = 0; i < w.length; i++) {
      if (this.#idle[i] || !this.#aligned[i]) continue;
      any = true;
      if (w[i]! < min) min = w[i]!;
    }
    if (any && min > this.#last) {
      this.#last = min;
      this.#output.emitWatermark(min);
    }
  }
}
