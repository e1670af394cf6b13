// TimeWindow: the half-open interval [start, end) of event or processing time a window covers.

export class TimeWindow {
  readonly start: number;
  /** Exclusive. */
  readonly end: number;
  constructor(start: number, end: number) {
    this.start = start;
    this.end = end;
  }
  /** The largest timestamp inside the window (end − 1): the window fires when the watermark reaches it. */
  maxTimestamp(): number {
    return this.end - 1; // +∞ for the global window
  }
  /** Overlapping or adjacent (session windows merge then). */
  intersects(other: TimeWindow): boolean {
    return this.start <= other.end && this.end >= other.start;
  }
  cover(other: TimeWindow): TimeWindow {
    return new TimeWindow(Math.min(this.start, other.start), Math.max(this.end, other.end));
  }
  toString(): string {
    return `TimeWindow[${this.start}, ${this.end})`;
  }
}

/** The one window of GlobalWindows: (−∞, +∞), never past its end. */
export const GLOBAL_WINDOW = Object.freeze(new TimeWindow(Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY));

/** The start of the window of `size` (shifted by `offset`) that holds `timestamp`: Flink's getWindowStartWithOffset. */
export function windowStart(timestamp: number, offset: number, size: number): number {
  const r = (timestamp - offset) % size;
  return r < 0 ? timestamp - (r + size) : timestamp - r;
}
