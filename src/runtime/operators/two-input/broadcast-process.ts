// connect(broadcastStream).process(...): input 1 is the (possibly keyed) data stream, input 2 the broadcast stream that alone writes the broadcast state.
//
// Each descriptor's state is a HeapBroadcastState, written to operator state of mode
// 'broadcast' at every checkpoint (one copy per subtask) and read back at open: a restore
// at any parallelism gives every subtask one whole copy (state/broadcast-state.ts).

import { ConfigError, WeirError } from '../../../core/errors.ts';
import type { Key } from '../../../core/types.ts';
import type {
  BroadcastContext, BroadcastProcessFunction, KeyedBroadcastContext, KeyedBroadcastOnTimerContext, KeyedBroadcastProcessFunction,
  KeyedReadOnlyBroadcastContext,
} from '../../../api/two-input/functions.ts';
import type { TimerService } from '../../../api/functions.ts';
import type { OutputTag } from '../../../api/output-tag.ts';
import { HeapBroadcastState } from '../../../state/broadcast-state.ts';
import type { MapStateDescriptor } from '../../../state/index.ts';
import { closeFunction, openFunction } from '../runtime-context.ts';
import { keyedTimerService } from '../keyed-timer-service.ts';
import { KeyedTimers, TwoInputStreamOperator } from './two-input-operator.ts';

type AnyBroadcastFunction = BroadcastProcessFunction<unknown, unknown, unknown> | KeyedBroadcastProcessFunction<Key, unknown, unknown, unknown>;

export class BroadcastProcessOperator extends TwoInputStreamOperator {
  readonly #fn: AnyBroadcastFunction;
  readonly #keyed: boolean;
  readonly #descriptors: readonly MapStateDescriptor<Key, unknown>[];
  readonly #states = new Map<string, HeapBroadcastState<Key, unknown>>();
  #readCtx!: KeyedReadOnlyBroadcastContext<Key>;
  #writeCtx!: KeyedBroadcastContext<Key>;
  #timers: KeyedTimers | undefined;
  /** The last watermark (what an unkeyed function's currentWatermark() says; keyed ones ask the timer service). */
  #watermark = Number.NEGATIVE_INFINITY;

  constructor(fn: AnyBroadcastFunction, descriptors: readonly MapStateDescriptor<Key, unknown>[], keyed: boolean) {
    super();
    this.#fn = fn;
    this.#descriptors = descriptors;
    this.#keyed = keyed;
  }

  override open(): void | Promise<void> {
    const ctx = this.context;
    for (const d of this.#descriptors) {
      const pairs = ctx.operatorState.getBroadcastListState<[Key, unknown]>(broadcastStateName(d)).get();
      this.#states.set(d.name, new HeapBroadcastState<Key, unknown>(pairs));
    }
    const state = (d: MapStateDescriptor<Key, unknown>): HeapBroadcastState<Key, unknown> => {
      const s = this.#states.get(d?.name);
      if (s === undefined) {
        throw new ConfigError(`operator "${ctx.operatorName}": broadcast state "${String(d?.name)}" was not declared; pass its descriptor to broadcast(...)`);
      }
      return s;
    };
    const backend = ctx.keyedBackend;
    const timerService: TimerService | undefined = this.#keyed ? keyedTimerService(ctx) : undefined;
    const noKey = (): never => { throw new ConfigError(`operator "${ctx.operatorName}": getCurrentKey() and timers need a keyed stream (a.keyBy(k).connect(broadcastStream))`); };
    const base = {
      timestamp: () => this.elementTimestamp(),
      currentProcessingTime: () => ctx.currentProcessingTime(),
      currentWatermark: () => ctx.timers?.currentWatermark ?? this.#watermark,
      output: <X>(tag: OutputTag<X>, value: X) => this.sideOutput(tag, value),
    };
    this.#readCtx = {
      ...base,
      getBroadcastState: (d) => state(d as MapStateDescriptor<Key, unknown>).readOnly as never,
      getCurrentKey: () => (backend ? backend.getCurrentKey() as Key : noKey()),
      timerService: () => timerService ?? noKey(),
    };
    this.#writeCtx = {
      ...base,
      getBroadcastState: (d) => state(d as MapStateDescriptor<Key, unknown>) as never,
      applyToKeyedState: (descriptor, fn) => {
        if (!backend) noKey();
        try {
          backend!.forEachKey(descriptor.name, (key, keyGroup) => {
            backend!.setCurrentKey(key, keyGroup);
            fn(key);
          });
        } finally {
          backend!.unsetCurrentKey();
        }
      },
    };
    if (this.#keyed) {
      const keyedFn = this.#fn as KeyedBroadcastProcessFunction<Key, unknown, unknown, unknown>;
      const onTimer = keyedFn.onTimer;
      let timeDomain: 'event-time' | 'processing-time' = 'event-time';
      const timerCtx: KeyedBroadcastOnTimerContext<Key> = { ...this.#readCtx, timeDomain: () => timeDomain };
      const element = ctx.element;
      this.#timers = new KeyedTimers(ctx, (domain, time) => {
        if (!onTimer) return;
        timeDomain = domain;
        element.timestamp = domain === 'event-time' ? time : Number.NaN;
        onTimer.call(keyedFn, time, timerCtx, this.output);
      });
    }
    return openFunction(this.#fn, ctx);
  }

  processElement1(record: unknown): void {
    this.#fn.processElement(record, this.#readCtx, this.output);
  }

  processElement2(record: unknown): void {
    // A broadcast element belongs to no key: keyed state is reachable only through applyToKeyedState.
    const backend = this.context.keyedBackend;
    backend?.unsetCurrentKey();
    try {
      (this.#fn.processBroadcastElement as (v: unknown, c: BroadcastContext, out: typeof this.output) => void).call(this.#fn, record, this.#writeCtx, this.output);
    } catch (e) {
      if ((e as { code?: string }).code === 'WEIR_STATE_NO_KEY') {
        throw new WeirError(`processBroadcastElement used keyed state outside ctx.applyToKeyedState(): a broadcast element has no key (${(e as Error).message})`, { code: 'WEIR_STATE_NO_KEY', fault: 'user', cause: e });
      }
      throw e;
    }
  }

  override processWatermark(timestamp: number): void {
    this.#watermark = timestamp;
    this.#timers?.advanceWatermark(timestamp);
    this.output.emitWatermark(timestamp);
  }

  override onProcessingTime(now: number): void {
    this.#timers?.onProcessingTime(now);
  }

  /** Every subtask writes its own copy (they are identical: only broadcast elements write). */
  override snapshotState(_checkpointId: number): void {
    for (const d of this.#descriptors) {
      this.context.operatorState.getBroadcastListState<[Key, unknown]>(broadcastStateName(d)).update(this.#states.get(d.name)!.toPairs());
    }
  }

  override close(): void | Promise<void> { return closeFunction(this.#fn); }
}

/** The operator-state name of a broadcast state. */
export function broadcastStateName(d: MapStateDescriptor<Key, unknown>): string {
  return `broadcast:${d.name}`;
}
