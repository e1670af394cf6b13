// a.join(b) / a.coGroup(b) .where(k1).equalTo(k2).window(assigner).apply(fn): records of both streams with equal keys, grouped per window.
//
// Built as Flink builds it, on the one-input window operator: each side is tagged with its
// input ([0, a] or [1, b]; maps keep the record's timestamp), the two are united and keyed
// by k1 or k2 of the untagged record, and a process window function splits each fired
// window's elements back into the two sides. So windows, lateness, checkpoints and
// rescaling are exactly those of keyBy().window(); the window keeps every element of both
// sides until it fires. The results carry the window's end − 1 as timestamp.

import { ConfigError } from '../../core/errors.ts';
import type { Collector, FieldOf, FieldRef, Key } from '../../core/types.ts';
import { checkNonNegative } from '../config.ts';
import type { KeySelector, RichFunction } from '../functions.ts';
import type { DataStream } from '../data-stream.ts';
import type { WindowAssigner } from '../windows/assigners.ts';
import type { ProcessWindowContext, ProcessWindowFunction } from '../windows/window-functions.ts';
import { readField } from '../transformation.ts';

/** One joined pair per call. */
export type JoinFunction<L, R, O> = ((left: L, right: R) => O) | (RichFunction & { join(left: L, right: R): O });
/** Both sides of one key in one window (either may be empty, never both). */
export type CoGroupFunction<L, R, O> =
  | ((lefts: readonly L[], rights: readonly R[], out: Collector<O>) => void)
  | (RichFunction & { coGroup(lefts: readonly L[], rights: readonly R[], out: Collector<O>): void });

type Tagged = readonly [0 | 1, unknown];

function selector<T>(key: KeySelector<T, Key> | FieldRef, what: string): KeySelector<T, Key> {
  if (typeof key === 'function') return key;
  if (typeof key === 'string' || (typeof key === 'number' && Number.isInteger(key) && key >= 0)) return (r: T) => readField(r, key) as Key;
  throw new ConfigError(`${what}: the key must be a function, a property name or a tuple index`);
}

/** a.join(b) or a.coGroup(b): `where` names the first stream's key. */
export class TwoStreamWindowBuilder<L, R> {
  readonly #left: DataStream<L>;
  readonly #right: DataStream<R>;
  readonly #kind: 'join' | 'coGroup';

  /** @internal Made by DataStream.join() / coGroup(). */
  constructor(left: DataStream<L>, right: DataStream<R>, kind: 'join' | 'coGroup') {
    if (left.environment !== right.environment) throw new ConfigError(`${kind}: both streams must come from the same environment`);
    this.#left = left;
    this.#right = right;
    this.#kind = kind;
  }

  where<K extends Key>(key: KeySelector<L, K> | FieldOf<L>): { equalTo(key: KeySelector<R, K> | FieldOf<R>): { window(assigner: WindowAssigner): WindowedTwoStreams<L, R> } } {
    const k1 = selector<L>(key as KeySelector<L, Key> | FieldRef, `${this.#kind}().where()`);
    return {
      equalTo: (key2) => {
        const k2 = selector<R>(key2 as KeySelector<R, Key> | FieldRef, `${this.#kind}().equalTo()`);
        return { window: (assigner) => new WindowedTwoStreams<L, R>(this.#left, this.#right, k1, k2, assigner, this.#kind) };
      },
    };
  }
}

/** The keyed, windowed pair of streams: settings, then apply(). */
export class WindowedTwoStreams<L, R> {
  readonly #left: DataStream<L>;
  readonly #right: DataStream<R>;
  readonly #k1: KeySelector<L, Key>;
  readonly #k2: KeySelector<R, Key>;
  readonly #assigner: WindowAssigner;
  readonly #kind: 'join' | 'coGroup';
  #allowedLateness = 0;

  /** @internal */
  constructor(left: DataStream<L>, right: DataStream<R>, k1: KeySelector<L, Key>, k2: KeySelector<R, Key>, assigner: WindowAssigner, kind: 'join' | 'coGroup') {
    this.#left = left;
    this.#right = right;
    this.#k1 = k1;
    this.#k2 = k2;
    this.#assigner = assigner;
    this.#kind = kind;
  }

  allowedLateness(ms: number): this {
    this.#allowedLateness = checkNonNegative('allowedLateness(ms)', ms);
    return this;
  }

  /** join: fn(left, right) for every pair of one key in one window; coGroup: fn(lefts, rights, out) once per key and window. */
  apply<O>(fn: JoinFunction<L, R, O> | CoGroupFunction<L, R, O>, name?: string): DataStream<O> {
    const kind = this.#kind;
    const n = name ?? (kind === 'join' ? 'Window Join' : 'Window CoGroup');
    let group: (lefts: unknown[], rights: unknown[], out: Collector<unknown>) => void;
    let rich: RichFunction | undefined;
    if (kind === 'join') {
      const f = fn as JoinFunction<L, R, O>;
      if (typeof f !== 'function' && typeof f?.join !== 'function') throw new ConfigError(`${n}: apply() needs a JoinFunction ((left, right) => result, or an object with join)`);
      const join = typeof f === 'function' ? f : (l: L, r: R) => f.join(l, r);
      rich = typeof f === 'function' ? undefined : f;
      group = (lefts, rights, out) => {
        for (const l of lefts) for (const r of rights) out.collect(join(l as L, r as R));
      };
    } else {
      const f = fn as CoGroupFunction<L, R, O>;
      if (typeof f !== 'function' && typeof f?.coGroup !== 'function') throw new ConfigError(`${n}: apply() needs a CoGroupFunction ((lefts, rights, out) => void, or an object with coGroup)`);
      const coGroup = typeof f === 'function' ? f : (l: readonly L[], r: readonly R[], out: Collector<O>) => f.coGroup(l, r, out);
      rich = typeof f === 'function' ? undefined : f;
      group = coGroup as typeof group;
    }
    const k1 = this.#k1;
    const k2 = this.#k2;
    const left = this.#left.map((v): Tagged => [0, v], `${n}: tag left`);
    const right = this.#right.map((v): Tagged => [1, v], `${n}: tag right`);
    const windowed = left.union(right).keyBy((t: Tagged) => (t[0] === 0 ? k1(t[1] as L) : k2(t[1] as R))).window(this.#assigner);
    if (this.#allowedLateness > 0) windowed.allowedLateness(this.#allowedLateness);
    const split: ProcessWindowFunction<Tagged, unknown, Key> = {
      process(_key: Key, _ctx: ProcessWindowContext, elements: Iterable<Tagged>, out: Collector<unknown>): void {
        const lefts: unknown[] = [];
        const rights: unknown[] = [];
        for (const [i, v] of elements) (i === 0 ? lefts : rights).push(v);
        group(lefts, rights, out);
      },
    };
    if (rich?.open || rich?.close) {
      if (rich.open) split.open = (ctx) => rich!.open!(ctx);
      if (rich.close) split.close = () => rich!.close!();
    }
    return windowed.process<unknown>(split).name(n) as DataStream<O>;
  }
}
