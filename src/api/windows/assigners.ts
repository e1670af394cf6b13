// Window assigners as data: tumbling, sliding and session windows in event or processing time (the runtime implements them).

import { ConfigError } from '../../core/errors.ts';

export type TimeDomain = 'event-time' | 'processing-time';

export type WindowAssigner =
  | { readonly kind: 'tumbling'; readonly time: TimeDomain; readonly size: number; readonly offset: number }
  | { readonly kind: 'sliding'; readonly time: TimeDomain; readonly size: number; readonly slide: number; readonly offset: number }
  | { readonly kind: 'session'; readonly time: TimeDomain; readonly gap: number; readonly gapOf?: (element: unknown) => number }
  /** One window per key holding everything (GlobalWindow): fires only through a trigger (countWindow, a custom one). */
  | { readonly kind: 'global'; readonly time: 'processing-time' };

function positive(setting: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0 || !Number.isInteger(v)) throw new ConfigError(`${setting} must be an integer number of ms > 0, got ${String(v)}`);
  return v;
}

function offsetOf(setting: string, offset: unknown, size: number): number {
  if (typeof offset !== 'number' || !Number.isInteger(offset) || Math.abs(offset) >= size) {
    throw new ConfigError(`${setting}: the offset must be an integer with |offset| < size (${size}), got ${String(offset)}`);
  }
  return offset;
}

function tumbling(name: string, time: TimeDomain, size: number, offset: number): WindowAssigner {
  const s = positive(`${name}.of(size)`, size);
  return Object.freeze({ kind: 'tumbling', time, size: s, offset: offsetOf(`${name}.of`, offset, s) });
}

function sliding(name: string, time: TimeDomain, size: number, slide: number, offset: number): WindowAssigner {
  const s = positive(`${name}.of(size)`, size);
  const sl = positive(`${name}.of(size, slide)`, slide);
  return Object.freeze({ kind: 'sliding', time, size: s, slide: sl, offset: offsetOf(`${name}.of`, offset, sl) });
}

/** Fixed-size, non-overlapping windows aligned to epoch 0 (+ offset). */
export const TumblingEventTimeWindows = {
  of: (size: number, offset = 0): WindowAssigner => tumbling('TumblingEventTimeWindows', 'event-time', size, offset),
};
export const TumblingProcessingTimeWindows = {
  of: (size: number, offset = 0): WindowAssigner => tumbling('TumblingProcessingTimeWindows', 'processing-time', size, offset),
};
/** Windows of `size` starting every `slide`: a record belongs to size/slide windows. */
export const SlidingEventTimeWindows = {
  of: (size: number, slide: number, offset = 0): WindowAssigner => sliding('SlidingEventTimeWindows', 'event-time', size, slide, offset),
};
export const SlidingProcessingTimeWindows = {
  of: (size: number, slide: number, offset = 0): WindowAssigner => sliding('SlidingProcessingTimeWindows', 'processing-time', size, slide, offset),
};
/** A window per burst of activity: records closer than `gap` merge into one session. */
export const EventTimeSessionWindows = {
  withGap: (gap: number): WindowAssigner => Object.freeze({ kind: 'session', time: 'event-time', gap: positive('EventTimeSessionWindows.withGap(gap)', gap) }),
  /** The gap of each record's own window comes from the record (an integer ms > 0, checked per record). */
  withDynamicGap: <T>(extractor: (element: T) => number): WindowAssigner => dynamicSession('EventTimeSessionWindows', 'event-time', extractor),
};
export const ProcessingTimeSessionWindows = {
  withGap: (gap: number): WindowAssigner => Object.freeze({ kind: 'session', time: 'processing-time', gap: positive('ProcessingTimeSessionWindows.withGap(gap)', gap) }),
  withDynamicGap: <T>(extractor: (element: T) => number): WindowAssigner => dynamicSession('ProcessingTimeSessionWindows', 'processing-time', extractor),
};

function dynamicSession<T>(name: string, time: TimeDomain, extractor: (element: T) => number): WindowAssigner {
  if (typeof extractor !== 'function') throw new ConfigError(`${name}.withDynamicGap needs a function (element) => gap in ms`);
  const gapOf = (element: unknown): number => positive(`${name}.withDynamicGap: the gap of record ${String(element)}`, extractor(element as T));
  return Object.freeze({ kind: 'session', time, gap: Number.NaN, gapOf });
}

/** Everything of a key in one window, which never fires by itself: give it a trigger (countWindow does). */
export const GlobalWindows = {
  create: (): WindowAssigner => Object.freeze({ kind: 'global', time: 'processing-time' }),
};
