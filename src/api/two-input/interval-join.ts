// a.keyBy(k).intervalJoin(b.keyBy(k)).between(lower, upper): pairs of equal key whose right timestamp is within [left + lower, left + upper].

import { ConfigError } from '../../core/errors.ts';
import type { Key } from '../../core/types.ts';
import type { KeySelector } from '../functions.ts';
import type { DataStream, KeyedStream } from '../data-stream.ts';
import type { OutputTag } from '../output-tag.ts';
import { addTwoInput, type MakeStream } from './connected-streams.ts';
import type { ProcessJoinFunction } from './functions.ts';

type AnyKeySelector = KeySelector<unknown, Key>;

/** Step 1: the two keyed streams; `between` sets the interval. */
export class IntervalJoin<L, R, K extends Key> {
  readonly #left: KeyedStream<L, K>;
  readonly #right: KeyedStream<R, K>;
  readonly #make: MakeStream;

  /** @internal Made by KeyedStream.intervalJoin(). */
  constructor(left: KeyedStream<L, K>, right: KeyedStream<R, K>, make: MakeStream) {
    if (typeof (right as { keySelector?: unknown })?.keySelector !== 'function') {
      throw new ConfigError('intervalJoin needs a keyed stream on both sides: a.keyBy(k1).intervalJoin(b.keyBy(k2))');
    }
    this.#left = left;
    this.#right = right;
    this.#make = make;
  }

  /** Right records with timestamp in [left + lower, left + upper] (ms; both inclusive unless made exclusive). */
  between(lower: number, upper: number): IntervalJoined<L, R, K> {
    for (const [what, v] of [['lower', lower], ['upper', upper]] as const) {
      if (typeof v !== 'number' || !Number.isFinite(v)) throw new ConfigError(`intervalJoin between(lower, upper): ${what} must be a finite number of ms, got ${String(v)}`);
    }
    if (lower > upper) throw new ConfigError(`intervalJoin between(${lower}, ${upper}): lower must not be larger than upper`);
    return new IntervalJoined<L, R, K>(this.#left, this.#right, lower, upper, this.#make);
  }
}

/** Step 2: bound exclusivity, then process(ProcessJoinFunction). */
export class IntervalJoined<L, R, K extends Key> {
  readonly #left: KeyedStream<L, K>;
  readonly #right: KeyedStream<R, K>;
  readonly #lower: number;
  readonly #upper: number;
  readonly #make: MakeStream;
  #lowerExclusive = false;
  #upperExclusive = false;
  #leftLateTag: string | undefined;
  #rightLateTag: string | undefined;

  /** @internal */
  constructor(left: KeyedStream<L, K>, right: KeyedStream<R, K>, lower: number, upper: number, make: MakeStream) {
    this.#left = left;
    this.#right = right;
    this.#lower = lower;
    this.#upper = upper;
    this.#make = make;
  }

  lowerBoundExclusive(): this { this.#lowerExclusive = true; return this; }
  upperBoundExclusive(): this { this.#upperExclusive = true; return this; }

  /** Left records behind the watermark on arrival go to this side output instead of being dropped. */
  sideOutputLeftLateData(tag: OutputTag<L>): this { this.#leftLateTag = checkTag(tag, 'sideOutputLeftLateData'); return this; }
  /** Right records behind the watermark on arrival go to this side output instead of being dropped. */
  sideOutputRightLateData(tag: OutputTag<R>): this { this.#rightLateTag = checkTag(tag, 'sideOutputRightLateData'); return this; }

  /** Called once per matching pair; what it emits carries max(left, right) as its timestamp. */
  process<O>(fn: ProcessJoinFunction<L, R, O> | (() => ProcessJoinFunction<L, R, O>), name = 'IntervalJoin'): DataStream<O> {
    if (typeof fn !== 'function' && typeof fn?.processElement !== 'function') {
      throw new ConfigError(`${name}: process() needs a ProcessJoinFunction (an object with processElement(left, right, ctx, out)), or a factory of one`);
    }
    // Timestamps are integral ms: an exclusive bound is the inclusive one a millisecond inside.
    const lower = this.#lowerExclusive ? this.#lower + 1 : this.#lower;
    const upper = this.#upperExclusive ? this.#upper - 1 : this.#upper;
    if (lower > upper) throw new ConfigError(`${name}: between(${this.#lower}, ${this.#upper}) with exclusive bounds is an empty interval`);
    return addTwoInput<O>(
      this.#left as DataStream<unknown>, this.#right as DataStream<unknown>,
      [this.#left.keySelector as AnyKeySelector, this.#right.keySelector as AnyKeySelector],
      name, {
        kind: 'intervalJoin', lower, upper, fn: fn as ProcessJoinFunction<unknown, unknown, unknown>,
        ...(this.#leftLateTag === undefined ? {} : { leftLateTag: this.#leftLateTag }),
        ...(this.#rightLateTag === undefined ? {} : { rightLateTag: this.#rightLateTag }),
      }, this.#make,
    );
  }
}

function checkTag(tag: OutputTag<unknown>, what: string): string {
  if (typeof tag?.id !== 'string') throw new ConfigError(`${what} needs an OutputTag`);
  return tag.id;
}
