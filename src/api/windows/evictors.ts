// Evictors: drop elements from a window before and/or after its function runs (Flink's Evictor), with CountEvictor and TimeEvictor.
//
// A window with an evictor keeps every element (with its timestamp) instead of an accumulator; at
// each firing the operator hands the elements, in arrival order, to evictBefore, applies the
// window function to what is left, then to evictAfter, and keeps what is left after that. An
// evictor removes elements by splicing the array it is given.

import { ConfigError } from '../../core/errors.ts';
import type { TimeWindow } from './time-window.ts';

/** An element of a window with its event-time timestamp (NaN when it had none). */
export interface TimestampedValue<T> {
  readonly value: T;
  readonly timestamp: number;
}

export interface EvictorContext {
  currentWatermark(): number;
  currentProcessingTime(): number;
}

export interface Evictor<T = unknown> {
  /** Before the window function: remove elements from `elements` (in place). */
  evictBefore?(elements: TimestampedValue<T>[], window: TimeWindow, ctx: EvictorContext): void;
  /** After the window function: remove elements from `elements` (in place). */
  evictAfter?(elements: TimestampedValue<T>[], window: TimeWindow, ctx: EvictorContext): void;
}

function positiveInt(setting: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) throw new ConfigError(`${setting} must be an integer > 0, got ${String(v)}`);
  return v;
}

/** Keeps the last `maxCount` elements (evicting before the function, or after it with doEvictAfter). */
export const CountEvictor = {
  of: <T = unknown>(maxCount: number, doEvictAfter = false): Evictor<T> => {
    const n = positiveInt('CountEvictor.of(maxCount)', maxCount);
    const evict = (els: TimestampedValue<T>[]): void => {
      if (els.length > n) els.splice(0, els.length - n);
    };
    return Object.freeze(doEvictAfter ? { evictAfter: evict } : { evictBefore: evict });
  },
};

/** Keeps the elements within `windowSize` ms of the newest element's timestamp (elements without timestamps are kept). */
export const TimeEvictor = {
  of: <T = unknown>(windowSize: number, doEvictAfter = false): Evictor<T> => {
    const size = positiveInt('TimeEvictor.of(windowSize)', windowSize);
    const evict = (els: TimestampedValue<T>[]): void => {
      let newest = Number.NEGATIVE_INFINITY;
      for (const e of els) if (e.timestamp > newest) newest = e.timestamp;
      if (newest === Number.NEGATIVE_INFINITY) return;
      const cut = newest - size;
      let w = 0;
      for (const e of els) if (!(e.timestamp <= cut)) els[w++] = e;
      els.length = w;
    };
    return Object.freeze(doEvictAfter ? { evictAfter: evict } : { evictBefore: evict });
  },
};

export function checkEvictor(e: unknown): Evictor<unknown> {
  const x = e as Evictor<unknown> | null;
  if (x === null || typeof x !== 'object' || (typeof x.evictBefore !== 'function' && typeof x.evictAfter !== 'function')) {
    throw new ConfigError('evictor() needs an Evictor: an object with evictBefore and/or evictAfter(elements, window, ctx)');
  }
  return x;
}
