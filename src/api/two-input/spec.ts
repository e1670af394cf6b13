// The operator specs of two-input operators (data the runtime instantiates, as window-spec.ts for windows).

import type { Key } from '../../core/types.ts';
import type { MapStateDescriptor } from '../../state/index.ts';
import type { KeySelector } from '../functions.ts';
import type {
  BroadcastProcessFunction, CoFlatMapFunction, CoMapFunction, CoProcessFunction, KeyedBroadcastProcessFunction,
  KeyedCoProcessFunction, ProcessJoinFunction,
} from './functions.ts';

type Fn<F> = F | (() => F);

export type TwoInputFunctionSpec =
  | { readonly kind: 'coMap'; readonly fn: Fn<CoMapFunction<unknown, unknown, unknown>> }
  | { readonly kind: 'coFlatMap'; readonly fn: Fn<CoFlatMapFunction<unknown, unknown, unknown>> }
  | { readonly kind: 'coProcess'; readonly fn: Fn<CoProcessFunction<unknown, unknown, unknown>> }
  | { readonly kind: 'keyedCoProcess'; readonly fn: Fn<KeyedCoProcessFunction<Key, unknown, unknown, unknown>> }
  /** Joins left t with right in [t + lower, t + upper] (bounds already made inclusive). */
  | {
    readonly kind: 'intervalJoin'; readonly lower: number; readonly upper: number; readonly fn: Fn<ProcessJoinFunction<unknown, unknown, unknown>>;
    /** Side-output tag ids for late records of each side (undefined: dropped). */
    readonly leftLateTag?: string; readonly rightLateTag?: string;
  }
  | { readonly kind: 'broadcastProcess'; readonly fn: Fn<BroadcastProcessFunction<unknown, unknown, unknown>>; readonly descriptors: readonly MapStateDescriptor<Key, unknown>[] }
  | { readonly kind: 'keyedBroadcastProcess'; readonly fn: Fn<KeyedBroadcastProcessFunction<Key, unknown, unknown, unknown>>; readonly descriptors: readonly MapStateDescriptor<Key, unknown>[] };

/** A two-input operator: its function, and the key selector of each keyed input (undefined: not keyed). */
export interface TwoInputSpec {
  readonly fn: TwoInputFunctionSpec;
  readonly keySelectors: readonly [KeySelector<unknown, Key> | undefined, KeySelector<unknown, Key> | undefined];
}
