// A test harness for two-input operators (connect, interval join, broadcast): records per input, a watermark per input, snapshot and restore.

import { ConfigError, WeirError } from '../core/errors.ts';
import type { Key } from '../core/types.ts';
import type { KeySelector } from '../api/functions.ts';
import type { OperatorSpec } from '../api/transformation.ts';
import type { TwoInputFunctionSpec } from '../api/two-input/spec.ts';
import type { MapStateDescriptor } from '../state/index.ts';
import type { HeapKeyedStateBackend } from '../state/index.ts';
import { attribute } from '../runtime/operator-error.ts';
import { createTwoInputOperator } from '../runtime/operators/two-input/create-two-input-operator.ts';
import type { TwoInputStreamOperator } from '../runtime/operators/two-input/two-input-operator.ts';
import type {
  BroadcastProcessFunction, CoFlatMapFunction, CoMapFunction, CoProcessFunction, KeyedBroadcastProcessFunction, KeyedCoProcessFunction,
  ProcessJoinFunction,
} from '../api/two-input/functions.ts';
import { OneInputOperatorHarness, type HarnessSnapshot, type OperatorHarnessOptions } from './operator-harness.ts';
import { defaultOperatorName } from './specs.ts';

/** A two-input OperatorSpec that remembers its record types (a phantom, never set). */
export type TypedTwoInputSpec<IN1, IN2, OUT> = Extract<OperatorSpec, { kind: 'twoInput' }> & { readonly __types?: (a: IN1, b: IN2) => OUT };

type AnyKey = KeySelector<unknown, Key>;

function twoInput<IN1, IN2, OUT>(fn: TwoInputFunctionSpec, k1?: KeySelector<IN1, Key>, k2?: KeySelector<IN2, Key>): TypedTwoInputSpec<IN1, IN2, OUT> {
  return { kind: 'twoInput', twoInput: { fn, keySelectors: [k1 as AnyKey | undefined, k2 as AnyKey | undefined] } };
}

/** connect(b).map(fn); with key selectors, the keyed variant. */
export function coMapSpec<I1, I2, O>(fn: CoMapFunction<I1, I2, O>, k1?: KeySelector<I1, Key>, k2?: KeySelector<I2, Key>): TypedTwoInputSpec<I1, I2, O> {
  return twoInput({ kind: 'coMap', fn: fn as CoMapFunction<unknown, unknown, unknown> }, k1, k2);
}
export function coFlatMapSpec<I1, I2, O>(fn: CoFlatMapFunction<I1, I2, O>, k1?: KeySelector<I1, Key>, k2?: KeySelector<I2, Key>): TypedTwoInputSpec<I1, I2, O> {
  return twoInput({ kind: 'coFlatMap', fn: fn as CoFlatMapFunction<unknown, unknown, unknown> }, k1, k2);
}
export function coProcessSpec<I1, I2, O>(fn: CoProcessFunction<I1, I2, O>): TypedTwoInputSpec<I1, I2, O> {
  return twoInput({ kind: 'coProcess', fn: fn as CoProcessFunction<unknown, unknown, unknown> });
}
export function keyedCoProcessSpec<K extends Key, I1, I2, O>(fn: KeyedCoProcessFunction<K, I1, I2, O>, k1: KeySelector<I1, K>, k2: KeySelector<I2, K>): TypedTwoInputSpec<I1, I2, O> {
  return twoInput({ kind: 'keyedCoProcess', fn: fn as unknown as KeyedCoProcessFunction<Key, unknown, unknown, unknown> }, k1, k2);
}
/** intervalJoin(...).between(lower, upper) with both bounds inclusive (an exclusive bound is the inclusive one 1 ms inside). */
export function intervalJoinSpec<K extends Key, L, R, O>(lower: number, upper: number, fn: ProcessJoinFunction<L, R, O>, k1: KeySelector<L, K>, k2: KeySelector<R, K>): TypedTwoInputSpec<L, R, O> {
  return twoInput({ kind: 'intervalJoin', lower, upper, fn: fn as ProcessJoinFunction<unknown, unknown, unknown> }, k1, k2);
}
export function broadcastProcessSpec<IN, BC, O>(fn: BroadcastProcessFunction<IN, BC, O>, descriptors: readonly MapStateDescriptor<Key, unknown>[]): TypedTwoInputSpec<IN, BC, O> {
  return twoInput({ kind: 'broadcastProcess', fn: fn as BroadcastProcessFunction<unknown, unknown, unknown>, descriptors });
}
export function keyedBroadcastProcessSpec<K extends Key, IN, BC, O>(fn: KeyedBroadcastProcessFunction<K, IN, BC, O>, descriptors: readonly MapStateDescriptor<Key, unknown>[], key: KeySelector<IN, K>): TypedTwoInputSpec<IN, BC, O> {
  return twoInput({ kind: 'keyedBroadcastProcess', fn: fn as unknown as KeyedBroadcastProcessFunction<Key, unknown, unknown, unknown>, descriptors }, key);
}

export type TwoInputHarnessOptions = Omit<OperatorHarnessOptions<unknown>, 'keySelector'>;

/**
 * Drives one two-input operator as a task would: each record goes to processElement1 or 2
 * with that input's key current; the operator's watermark is the minimum of the two inputs'
 * watermarks (as the task's input gate combines them). Snapshots are those of a task.
 */
export class TwoInputOperatorHarness<IN1 = unknown, IN2 = unknown, OUT = unknown> {
  readonly operator: TwoInputStreamOperator<IN1, IN2, OUT>;
  readonly #inner: OneInputOperatorHarness<IN1, OUT>;
  readonly #inputWatermarks = [Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY];
  #watermark = Number.NEGATIVE_INFINITY;
  #open = false;

  private constructor(operator: TwoInputStreamOperator<IN1, IN2, OUT>, options: TwoInputHarnessOptions | undefined, name: string) {
    this.operator = operator;
    const key = operator.keySelectors[0];
    this.#inner = OneInputOperatorHarness.forOperator(operator, { ...options, name: options?.name ?? name, ...(key ? { keySelector: key } : {}) });
  }

  static forSpec<IN1 = unknown, IN2 = unknown, OUT = unknown>(spec: TypedTwoInputSpec<IN1, IN2, OUT>, options?: TwoInputHarnessOptions): TwoInputOperatorHarness<IN1, IN2, OUT> {
    if (spec?.kind !== 'twoInput') throw new ConfigError('TwoInputOperatorHarness.forSpec needs a two-input spec (coMapSpec, keyedCoProcessSpec, intervalJoinSpec, broadcastProcessSpec, ...)');
    const operator = createTwoInputOperator(spec.twoInput) as TwoInputStreamOperator<IN1, IN2, OUT>;
    return new TwoInputOperatorHarness<IN1, IN2, OUT>(operator, options, defaultOperatorName(spec));
  }

  get output(): OUT[] { return this.#inner.output; }
  get outputTimestamps(): number[] { return this.#inner.outputTimestamps; }
  get watermarks(): number[] { return this.#inner.watermarks; }
  get sideOutput(): Map<string, unknown[]> { return this.#inner.sideOutput; }
  get keyedBackend(): HeapKeyedStateBackend | undefined { return this.#inner.keyedBackend; }
  get processingTime(): number { return this.#inner.processingTime; }

  async open(): Promise<void> { await this.#inner.open(); this.#open = true; }

  /** A record of input 1 (the stream `connect` was called on), with its event time (default none). */
  processElement1(record: IN1, timestamp = Number.NaN): void { this.#process(0, record, timestamp); }
  /** A record of input 2 (the connected / broadcast / joined stream). */
  processElement2(record: IN2, timestamp = Number.NaN): void { this.#process(1, record, timestamp); }

  processWatermark1(timestamp: number): void { this.#watermarkOf(0, timestamp); }
  processWatermark2(timestamp: number): void { this.#watermarkOf(1, timestamp); }
  /** The same watermark on both inputs. */
  processWatermark(timestamp: number): void { this.#watermarkOf(0, timestamp); this.#watermarkOf(1, timestamp); }

  advanceProcessingTime(now: number): void { this.#inner.advanceProcessingTime(now); }
  snapshot(checkpointId: number): Promise<HarnessSnapshot> { return this.#inner.snapshot(checkpointId); }
  notifyCheckpointComplete(checkpointId: number): Promise<void> { return this.#inner.notifyCheckpointComplete(checkpointId); }
  finish(): Promise<void> { return this.#inner.finish(); }
  close(): Promise<void> { return this.#inner.close(); }
  takeOutput(): OUT[] { return this.#inner.takeOutput(); }
  withKey<R>(key: Key, fn: (backend: HeapKeyedStateBackend) => R): R { return this.#inner.withKey(key, fn); }

  #process(input: 0 | 1, record: unknown, timestamp: number): void {
    if (!this.#open) throw new WeirError(`processElement${input + 1}() on a two-input harness: call open() first`, { code: 'WEIR_HARNESS', fault: 'user' });
    const op = this.operator;
    op.context.element.timestamp = timestamp;
    const run = (): void => { if (input === 0) op.processElement1(record as IN1); else op.processElement2(record as IN2); };
    const selector = op.keySelectors[input];
    if (selector !== undefined && this.#inner.keyedBackend !== undefined) {
      this.#inner.withKey(selector(record), () => {
        try { run(); } catch (e) { throw attribute(e, this.#info(), { value: record }); }
      });
    } else {
      try { run(); } catch (e) { throw attribute(e, this.#info(), { value: record }); }
    }
  }

  #watermarkOf(input: 0 | 1, timestamp: number): void {
    if (timestamp <= this.#inputWatermarks[input]!) return;
    this.#inputWatermarks[input] = timestamp;
    const min = Math.min(this.#inputWatermarks[0]!, this.#inputWatermarks[1]!);
    if (min > this.#watermark) {
      this.#watermark = min;
      this.#inner.processWatermark(min);
    }
  }

  #info(): { name: string; uid: string; subtaskIndex: number; parallelism: number } {
    const c = this.operator.context;
    return { name: c.operatorName, uid: c.uid, subtaskIndex: c.subtaskIndex, parallelism: c.parallelism };
  }
}
