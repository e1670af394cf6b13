// Output wiring inside a chain: direct calls to the next operator, or into record writers.

import type { ElementTime, Output, StreamOperator } from './operator.ts';
import { ACTIVE, IDLE } from './events.ts';
import { checkKey, type RecordWriter } from './network/record-writer.ts';
import type { Key } from '../core/types.ts';
import type { KeySelector } from '../api/functions.ts';
import { keyGroupFor, type HeapKeyedStateBackend } from '../state/index.ts';
import { attribute, type OperatorInfo } from './operator-error.ts';

/** Calls the next operator of the chain directly (DESIGN invariant 5); attributes its errors to it. */
export class ChainedOutput implements Output {
  readonly #next: StreamOperator;
  readonly #info: OperatorInfo;
  constructor(next: StreamOperator, info: OperatorInfo) {
    this.#next = next;
    this.#info = info;
  }
  collect(record: unknown): void {
    try {
      this.#next.processElement(record);
    } catch (e) {
      throw attribute(e, this.#info, { value: record });
    }
  }
  emitWatermark(timestamp: number): void {
    this.#next.processWatermark(timestamp);
  }
  emitWatermarkStatus(idle: boolean): void {
    this.#next.processWatermarkStatus(idle);
  }
}

const KEY_CACHE_SLOTS = 1024;

/**
 * Calls a keyed operator chained behind a keyBy at parallelism 1 (graph/job-graph.ts isChainable):
 * the key (checked as a record writer checks it) and its key group are set on the operator's
 * backend before the call, as a task does for a keyed head.
 */
export class KeyedChainedOutput extends ChainedOutput {
  readonly #selector: KeySelector<unknown, Key>;
  readonly #backend: HeapKeyedStateBackend;
  readonly #maxParallelism: number;
  /** The operator before the keyBy, for the bad-key error (as a record writer names it). */
  readonly #producerName: string;
  constructor(next: StreamOperator, info: OperatorInfo, selector: KeySelector<unknown, Key>, backend: HeapKeyedStateBackend, maxParallelism: number, producerName: string) {
    super(next, info);
    this.#selector = selector;
    this.#backend = backend;
    this.#maxParallelism = maxParallelism;
    this.#producerName = producerName;
  }
  /**
   * Key groups of number keys seen lately, direct-mapped by key & 1023: a key set of about a thousand keys
   * hashes each key once (murmur3 is a chain of dependent multiplies, ~10 ns); other keys cost a compare.
   */
  readonly #cachedKeys = new Float64Array(KEY_CACHE_SLOTS).fill(Number.NaN);
  readonly #cachedGroups = new Int32Array(KEY_CACHE_SLOTS);
  override collect(record: unknown): void {
    const k = this.#selector(record);
    if (typeof k === 'number') {
      const s = k & (KEY_CACHE_SLOTS - 1);
      let kg: number;
      if (this.#cachedKeys[s] === k) kg = this.#cachedGroups[s]!;
      else {
        kg = keyGroupFor(k, this.#maxParallelism);
        this.#cachedKeys[s] = k;
        this.#cachedGroups[s] = kg;
      }
      this.#backend.setCurrentKey(k, kg);
    } else {
      const key = checkKey(k, record, this.#producerName);
      this.#backend.setCurrentKey(key, keyGroupFor(key, this.#maxParallelism));
    }
    super.collect(record);
  }
}

/** Into a record writer; the record leaves with the chain's current timestamp. */
export class WriterOutput implements Output {
  readonly #writer: RecordWriter;
  readonly #element: ElementTime;
  readonly #onWatermark: ((timestamp: number) => void) | undefined;
  readonly #dropWatermarks: boolean;
  /** `onWatermark` sees each watermark leaving (the task's metrics report the last); BATCH drops watermarks and statuses (none flow). */
  constructor(writer: RecordWriter, element: ElementTime, onWatermark?: (timestamp: number) => void, dropWatermarks = false) {
    this.#writer = writer;
    this.#element = element;
    this.#onWatermark = onWatermark;
    this.#dropWatermarks = dropWatermarks;
  }
  collect(record: unknown): void {
    this.#writer.emitAt(record, this.#element);
  }
  emitWatermark(timestamp: number): void {
    if (this.#dropWatermarks) return;
    this.#onWatermark?.(timestamp);
    this.#writer.broadcastEvent({ type: 'watermark', timestamp });
  }
  emitWatermarkStatus(idle: boolean): void {
    if (this.#dropWatermarks) return;
    this.#writer.broadcastEvent(idle ? IDLE : ACTIVE);
  }
}

/** Several outputs (a fan-out inside the chain or several edges): each record goes to all. */
export class BroadcastingOutput implements Output {
  readonly #outputs: Output[];
  constructor(outputs: Output[]) {
    this.#outputs = outputs;
  }
  collect(record: unknown): void {
    for (const o of this.#outputs) o.collect(record);
  }
  emitWatermark(timestamp: number): void {
    for (const o of this.#outputs) o.emitWatermark(timestamp);
  }
  emitWatermarkStatus(idle: boolean): void {
    for (const o of this.#outputs) o.emitWatermarkStatus(idle);
  }
}

export const NO_OUTPUT: Output = { collect() {}, emitWatermark() {}, emitWatermarkStatus() {} };

/** Counts records leaving an operator that has no edge (a sink at the end of a chain). */
export function combineOutputs(outputs: Output[]): Output {
  if (outputs.length === 0) return NO_OUTPUT;
  if (outputs.length === 1) return outputs[0]!;
  return new BroadcastingOutput(outputs);
}
