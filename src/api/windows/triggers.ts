// Triggers: when a window fires and when its contents are purged (Flink's Trigger), with the built-in ones.
//
// A trigger is an object of functions called by the window operator for one (key, window) at a time:
// onElement for every record added to the window, onEventTime / onProcessingTime for the timers it
// registered through the context, clear when the window is cleaned up (end + allowed lateness). Each
// returns CONTINUE, FIRE (emit the window's result, keep the contents), PURGE (drop the contents) or
// FIRE_AND_PURGE. State a trigger keeps goes through ctx.getPartitionedState: it is scoped to the
// (key, window), checkpointed with the window and dropped at cleanup. Triggers on merging (session)
// windows need onMerge, called for the covering window before the merged windows' clear() (their
// state is then dropped); ctx.mergePartitionedState(d) folds their reducing state into the new window's.

import { ConfigError } from '../../core/errors.ts';
import type { Key } from '../../core/types.ts';
import {
  ReducingStateDescriptor, ValueStateDescriptor,
  type AggregatingState, type AggregatingStateDescriptor, type ListState, type ListStateDescriptor, type MapState,
  type MapStateDescriptor, type ReducingState, type ValueState,
} from '../../state/index.ts';
import type { TimeWindow } from './time-window.ts';

export type TriggerResult = 'CONTINUE' | 'FIRE' | 'PURGE' | 'FIRE_AND_PURGE';
export const TriggerResult = Object.freeze({
  CONTINUE: 'CONTINUE',
  FIRE: 'FIRE',
  PURGE: 'PURGE',
  FIRE_AND_PURGE: 'FIRE_AND_PURGE',
} as const);

/** Keyed state scoped to one (key, window) or to the key: what windowState(), globalState() and getPartitionedState give. */
export interface KeyedStateStore {
  getState<T>(descriptor: ValueStateDescriptor<T>): ValueState<T>;
  getListState<T>(descriptor: ListStateDescriptor<T>): ListState<T>;
  getMapState<K extends Key, V>(descriptor: MapStateDescriptor<K, V>): MapState<K, V>;
  getReducingState<T>(descriptor: ReducingStateDescriptor<T>): ReducingState<T>;
  getAggregatingState<IN, ACC, OUT>(descriptor: AggregatingStateDescriptor<IN, ACC, OUT>): AggregatingState<IN, OUT>;
}

/** What a trigger sees: time, timers of the current (key, window), and state scoped to it. */
export interface TriggerContext {
  currentWatermark(): number;
  currentProcessingTime(): number;
  registerEventTimeTimer(time: number): void;
  registerProcessingTimeTimer(time: number): void;
  deleteEventTimeTimer(time: number): void;
  deleteProcessingTimeTimer(time: number): void;
  /** State of the current (key, window); cleared when the window is cleaned up. */
  getPartitionedState: KeyedStateStore;
  /** In onMerge only: adds the merged windows' values of this reducing state to the new window's. */
  mergePartitionedState<T>(descriptor: ReducingStateDescriptor<T>): void;
}

export interface Trigger<T = unknown> {
  onElement(element: T, timestamp: number, window: TimeWindow, ctx: TriggerContext): TriggerResult;
  onEventTime(time: number, window: TimeWindow, ctx: TriggerContext): TriggerResult;
  onProcessingTime(time: number, window: TimeWindow, ctx: TriggerContext): TriggerResult;
  /** Called at the window's cleanup: delete the timers set for it (its partitioned state is dropped anyway). */
  clear?(window: TimeWindow, ctx: TriggerContext): void;
  /** Merging windows: set up the merged window (e.g. register its timers). Without it, a trigger cannot be used on session windows. */
  onMerge?(window: TimeWindow, ctx: TriggerContext): void;
}

const CONTINUE = TriggerResult.CONTINUE;

/** Fires once the watermark passes the window's end − 1 (the default of event-time windows); again for each late record within the allowed lateness. */
export const EventTimeTrigger = {
  create: <T = unknown>(): Trigger<T> => Object.freeze({
    onElement(_e: T, _ts: number, w: TimeWindow, ctx: TriggerContext): TriggerResult {
      if (w.maxTimestamp() <= ctx.currentWatermark()) return TriggerResult.FIRE;
      ctx.registerEventTimeTimer(w.maxTimestamp());
      return CONTINUE;
    },
    onEventTime: (time: number, w: TimeWindow): TriggerResult => (time === w.maxTimestamp() ? TriggerResult.FIRE : CONTINUE),
    onProcessingTime: (): TriggerResult => CONTINUE,
    clear: (w: TimeWindow, ctx: TriggerContext): void => ctx.deleteEventTimeTimer(w.maxTimestamp()),
    onMerge(w: TimeWindow, ctx: TriggerContext): void {
      if (w.maxTimestamp() > ctx.currentWatermark()) ctx.registerEventTimeTimer(w.maxTimestamp());
    },
  }),
};

/** Fires when the processing-time clock reaches the window's end − 1 (the default of processing-time windows). */
export const ProcessingTimeTrigger = {
  create: <T = unknown>(): Trigger<T> => Object.freeze({
    onElement(_e: T, _ts: number, w: TimeWindow, ctx: TriggerContext): TriggerResult {
      ctx.registerProcessingTimeTimer(w.maxTimestamp());
      return CONTINUE;
    },
    onEventTime: (): TriggerResult => CONTINUE,
    onProcessingTime: (time: number, w: TimeWindow): TriggerResult => (time === w.maxTimestamp() ? TriggerResult.FIRE : CONTINUE),
    clear: (w: TimeWindow, ctx: TriggerContext): void => ctx.deleteProcessingTimeTimer(w.maxTimestamp()),
    onMerge: (w: TimeWindow, ctx: TriggerContext): void => ctx.registerProcessingTimeTimer(w.maxTimestamp()),
  }),
};

/** Never fires (the default of GlobalWindows). */
export const NeverTrigger = {
  create: <T = unknown>(): Trigger<T> => Object.freeze({
    onElement: (): TriggerResult => CONTINUE,
    onEventTime: (): TriggerResult => CONTINUE,
    onProcessingTime: (): TriggerResult => CONTINUE,
    onMerge: (): void => {},
  }),
};

function positiveInt(setting: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) throw new ConfigError(`${setting} must be an integer > 0, got ${String(v)}`);
  return v;
}

const sum = (a: number, b: number): number => a + b;

/** Fires each time the window holds `count` more records (counted in the window's trigger state). */
export const CountTrigger = {
  of: <T = unknown>(count: number): Trigger<T> => {
    const n = positiveInt('CountTrigger.of(count)', count);
    const counted = new ReducingStateDescriptor<number>('count', sum);
    return Object.freeze({
      onElement(_e: T, _ts: number, _w: TimeWindow, ctx: TriggerContext): TriggerResult {
        const state = ctx.getPartitionedState.getReducingState(counted);
        state.add(1);
        if (state.get()! >= n) {
          state.clear();
          return TriggerResult.FIRE;
        }
        return CONTINUE;
      },
      onEventTime: (): TriggerResult => CONTINUE,
      onProcessingTime: (): TriggerResult => CONTINUE,
      clear: (_w: TimeWindow, ctx: TriggerContext): void => ctx.getPartitionedState.getReducingState(counted).clear(),
      onMerge: (_w: TimeWindow, ctx: TriggerContext): void => ctx.mergePartitionedState(counted),
    });
  },
};

/** Fires whenever the watermark passes a multiple of `interval` ms (the first after the window's first record) while the window is open, and at its end. */
export const ContinuousEventTimeTrigger = {
  of: <T = unknown>(interval: number): Trigger<T> => {
    const every = positiveInt('ContinuousEventTimeTrigger.of(interval)', interval);
    const next = new ValueStateDescriptor<number>('next-fire');
    const schedule = (time: number, w: TimeWindow, ctx: TriggerContext): void => {
      const at = Math.min(time - (((time % every) + every) % every) + every, w.maxTimestamp());
      ctx.getPartitionedState.getState(next).update(at);
      ctx.registerEventTimeTimer(at);
    };
    return Object.freeze({
      onElement(_e: T, ts: number, w: TimeWindow, ctx: TriggerContext): TriggerResult {
        if (w.maxTimestamp() <= ctx.currentWatermark()) return TriggerResult.FIRE;
        ctx.registerEventTimeTimer(w.maxTimestamp());
        if (ctx.getPartitionedState.getState(next).value() === undefined) schedule(Number.isFinite(ts) ? ts : ctx.currentWatermark(), w, ctx);
        return CONTINUE;
      },
      onEventTime(time: number, w: TimeWindow, ctx: TriggerContext): TriggerResult {
        if (time === w.maxTimestamp()) return TriggerResult.FIRE;
        const state = ctx.getPartitionedState.getState(next);
        if (state.value() === time) {
          schedule(time, w, ctx);
          return TriggerResult.FIRE;
        }
        return CONTINUE;
      },
      onProcessingTime: (): TriggerResult => CONTINUE,
      clear(w: TimeWindow, ctx: TriggerContext): void {
        const state = ctx.getPartitionedState.getState(next);
        const at = state.value();
        if (at !== undefined) ctx.deleteEventTimeTimer(at);
        ctx.deleteEventTimeTimer(w.maxTimestamp());
        state.clear();
      },
      onMerge(w: TimeWindow, ctx: TriggerContext): void {
        if (w.maxTimestamp() > ctx.currentWatermark()) ctx.registerEventTimeTimer(w.maxTimestamp());
        schedule(Math.max(ctx.currentWatermark(), w.start), w, ctx);
      },
    });
  },
};

/** Fires every `interval` ms of processing time (aligned to the interval) from the window's first record until its cleanup. */
export const ContinuousProcessingTimeTrigger = {
  of: <T = unknown>(interval: number): Trigger<T> => {
    const every = positiveInt('ContinuousProcessingTimeTrigger.of(interval)', interval);
    const next = new ValueStateDescriptor<number>('next-fire');
    const schedule = (now: number, ctx: TriggerContext): void => {
      const at = now - (((now % every) + every) % every) + every;
      ctx.getPartitionedState.getState(next).update(at);
      ctx.registerProcessingTimeTimer(at);
    };
    return Object.freeze({
      onElement(_e: T, _ts: number, _w: TimeWindow, ctx: TriggerContext): TriggerResult {
        if (ctx.getPartitionedState.getState(next).value() === undefined) schedule(ctx.currentProcessingTime(), ctx);
        return CONTINUE;
      },
      onEventTime: (): TriggerResult => CONTINUE,
      onProcessingTime(time: number, _w: TimeWindow, ctx: TriggerContext): TriggerResult {
        const state = ctx.getPartitionedState.getState(next);
        if (state.value() !== time) return CONTINUE;
        schedule(time, ctx);
        return TriggerResult.FIRE;
      },
      clear(_w: TimeWindow, ctx: TriggerContext): void {
        const state = ctx.getPartitionedState.getState(next);
        const at = state.value();
        if (at !== undefined) ctx.deleteProcessingTimeTimer(at);
        state.clear();
      },
      onMerge(_w: TimeWindow, ctx: TriggerContext): void {
        schedule(ctx.currentProcessingTime(), ctx);
      },
    });
  },
};

const purge = (r: TriggerResult): TriggerResult => (r === TriggerResult.FIRE ? TriggerResult.FIRE_AND_PURGE : r);

/** Wraps a trigger so that every FIRE also purges the window's contents. */
export const PurgingTrigger = {
  of: <T = unknown>(inner: Trigger<T>): Trigger<T> => {
    checkTrigger(inner, 'PurgingTrigger.of');
    const t: Trigger<T> = {
      onElement: (e, ts, w, ctx) => purge(inner.onElement(e, ts, w, ctx)),
      onEventTime: (time, w, ctx) => purge(inner.onEventTime(time, w, ctx)),
      onProcessingTime: (time, w, ctx) => purge(inner.onProcessingTime(time, w, ctx)),
      clear: (w, ctx) => inner.clear?.(w, ctx),
    };
    if (inner.onMerge !== undefined) t.onMerge = (w, ctx) => inner.onMerge!(w, ctx);
    return Object.freeze(t);
  },
};

/** A trigger as the API expects it: onElement, onEventTime and onProcessingTime functions. */
export function checkTrigger(t: unknown, setting: string): Trigger<unknown> {
  const x = t as Partial<Trigger<unknown>> | null;
  if (x === null || typeof x !== 'object' || typeof x.onElement !== 'function' || typeof x.onEventTime !== 'function' || typeof x.onProcessingTime !== 'function') {
    throw new ConfigError(`${setting} needs a Trigger: an object with onElement, onEventTime and onProcessingTime (and optionally clear, onMerge)`);
  }
  return x as Trigger<unknown>;
}
