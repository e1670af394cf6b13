// a.keyBy(k).intervalJoin(b.keyBy(k)).between(lower, upper): each side buffered per key and timestamp in keyed state, joined on arrival, cleaned up by event-time timers.
//
// A left record at time t joins every right record of its key at time in [t + lower, t + upper]
// (bounds inclusive here; the API turned exclusive bounds into inclusive ones). Whichever
// record arrives second finds the first in the other side's buffer, so each pair is emitted
// once, with timestamp max(left, right). A left record can match nothing once the watermark
// passed t + max(upper, 0) (a right record needs time ≤ t + upper and later right records are
// after the watermark), a right record at t once it passed t + max(-lower, 0): that is when
// an event-time timer removes them. Records behind the watermark are late (they could miss
// partners already cleaned up): dropped, or sent to the side's late-data side output. Buffers are MapState<time, records[]>, so a
// snapshot or rescale moves them with their key group.

import { WeirError, describeValue } from '../../../core/errors.ts';
import type { Key } from '../../../core/types.ts';
import type { ProcessJoinContext, ProcessJoinFunction } from '../../../api/two-input/functions.ts';
import { MapStateDescriptor, type MapState } from '../../../state/index.ts';
import { closeFunction, openFunction } from '../runtime-context.ts';
import { KeyedTimers, TwoInputStreamOperator } from './two-input-operator.ts';

const LEFT = new MapStateDescriptor<number, unknown[]>('interval-join-left');
const RIGHT = new MapStateDescriptor<number, unknown[]>('interval-join-right');

export class IntervalJoinOperator extends TwoInputStreamOperator {
  readonly #fn: ProcessJoinFunction<unknown, unknown, unknown>;
  readonly #lower: number;
  readonly #upper: number;
  readonly #lateTags: readonly [string | undefined, string | undefined];
  #left!: MapState<number, unknown[]>;
  #right!: MapState<number, unknown[]>;
  #timers!: KeyedTimers;
  readonly #ctx: ProcessJoinContext & { leftTimestamp: number; rightTimestamp: number; timestamp: number };
  /** Late records (behind the watermark on arrival) dropped for want of a late-data side output. */
  lateRecordsDropped = 0;

  constructor(lower: number, upper: number, fn: ProcessJoinFunction<unknown, unknown, unknown>, lateTags: readonly [string | undefined, string | undefined] = [undefined, undefined]) {
    super();
    this.#lower = lower;
    this.#upper = upper;
    this.#lateTags = lateTags;
    this.#fn = fn;
    this.#ctx = { leftTimestamp: 0, rightTimestamp: 0, timestamp: 0, output: (tag, value) => this.sideOutput(tag, value) };
  }

  override open(): void | Promise<void> {
    const backend = this.context.keyedBackend!;
    this.#left = backend.getMapState(LEFT);
    this.#right = backend.getMapState(RIGHT);
    this.#timers = new KeyedTimers(this.context, (domain, time) => { if (domain === 'event-time') this.#cleanUp(time); });
    return openFunction(this.#fn, this.context);
  }

  processElement1(record: unknown): void {
    const t = this.#timestampOf(record, 'left');
    if (t < this.context.timers!.currentWatermark) { this.#late(0, record); return; }
    append(this.#left, t, record);
    const from = t + this.#lower;
    const to = t + this.#upper;
    for (const [rt, rights] of this.#right.entries()) {
      if (rt < from || rt > to) continue;
      for (const r of rights) this.#emit(record, r, t, rt);
    }
    this.#registerCleanup(t + Math.max(this.#upper, 0));
  }

  processElement2(record: unknown): void {
    const t = this.#timestampOf(record, 'right');
    if (t < this.context.timers!.currentWatermark) { this.#late(1, record); return; }
    append(this.#right, t, record);
    const from = t - this.#upper;
    const to = t - this.#lower;
    for (const [lt, lefts] of this.#left.entries()) {
      if (lt < from || lt > to) continue;
      for (const l of lefts) this.#emit(l, record, lt, t);
    }
    this.#registerCleanup(t + Math.max(-this.#lower, 0));
  }

  override processWatermark(timestamp: number): void {
    this.#timers.advanceWatermark(timestamp);
    this.output.emitWatermark(timestamp);
  }

  override close(): void | Promise<void> { return closeFunction(this.#fn); }

  #emit(left: unknown, right: unknown, lt: number, rt: number): void {
    const ctx = this.#ctx;
    ctx.leftTimestamp = lt;
    ctx.rightTimestamp = rt;
    ctx.timestamp = lt > rt ? lt : rt;
    const element = this.context.element;
    const saved = element.timestamp;
    element.timestamp = ctx.timestamp;
    this.#fn.processElement(left, right, ctx, this.output);
    element.timestamp = saved;
  }

  #late(side: 0 | 1, record: unknown): void {
    const tag = this.#lateTags[side];
    const out = tag === undefined ? undefined : this.sideOutputs.get(tag);
    if (out === undefined) this.lateRecordsDropped++;
    else out.collect(record);
  }

  #registerCleanup(time: number): void {
    const backend = this.context.keyedBackend!;
    this.context.timers!.registerEventTimeTimer(backend.getCurrentKey() as Key, backend.getCurrentKeyGroup(), time);
  }

  /**
   * The timer at `time` of the current key: a left bucket at t asked for t + max(upper, 0), a right
   * one for t + max(−lower, 0), so this drops exactly the bucket of each side that set it (or a bucket
   * of the other side that expires at the same time): O(1), no scan of the buffers.
   */
  #cleanUp(time: number): void {
    const leftKeep = Math.max(this.#upper, 0);
    const rightKeep = Math.max(-this.#lower, 0);
    if (Number.isInteger(time) && Number.isInteger(leftKeep) && Number.isInteger(rightKeep)) {
      this.#left.remove(time - leftKeep);
      this.#right.remove(time - rightKeep);
      return;
    }
    // Fractional times: (t + keep) − keep need not give t back, so scan instead.
    for (const lt of Array.from(this.#left.keys())) if (lt + leftKeep <= time) this.#left.remove(lt);
    for (const rt of Array.from(this.#right.keys())) if (rt + rightKeep <= time) this.#right.remove(rt);
  }

  #timestampOf(record: unknown, side: string): number {
    const t = this.context.element.timestamp;
    if (Number.isNaN(t)) {
      throw new WeirError(
        `interval join: the ${side} record ${describeValue(record)} has no event-time timestamp; assign timestamps upstream (assignTimestampsAndWatermarks)`,
        { code: 'WEIR_NO_TIMESTAMP', fault: 'user' },
      );
    }
    return t;
  }
}

/** Adds a record to the bucket of its time (a new array: values in state are never mutated). */
function append(state: MapState<number, unknown[]>, time: number, record: unknown): void {
  const bucket = state.get(time);
  state.put(time, bucket === undefined ? [record] : [...bucket, record]);
}
