// Two-phase window aggregation as data: which windows may be pre-aggregated before their keyBy, the partial record that crosses it, and the window functions of both phases.
//
// The local phase (runtime/operators/windowing/window-combiner.ts, inserted by graph/window-combine.ts) folds a
// producer's records per (key, window) with the user's own `add` (or reduce) and sends one partial per (key,
// window): a tagged tuple that names its key, so the consumer's key selector and the exchange key it without the
// user's selector (a reduce may return a value of another key). The global phase is the unchanged window
// operator with a derived AggregateFunction: a partial is merged (the user's `merge`, or the reduce), any other
// record added (the user's `add`). The window state holds the user's accumulator in both phases, so a checkpoint
// taken with pre-aggregation restores without it and the other way round. See docs/event-time.md.

import type { Key } from '../../core/types.ts';
import type { KeySelector } from '../functions.ts';
import type { AggregateFunction } from './window-functions.ts';
import type { WindowFunctionSpec, WindowSpec } from './window-spec.ts';

/**
 * First field of a partial: [PARTIAL, key, accumulator]. A string no record of a user starts with in practice
 * (a NUL, then a name); kept short because every partial carries it through the codec.
 */
export const PARTIAL = '\u0000weir:wp';
/** First field of a flat partial: [PARTIAL_FLAT, key, ...accumulator] for an array accumulator of primitives (the typed codec's tuple, not the v8 fallback). */
export const PARTIAL_FLAT = '\u0000weir:wf';

/** Whether a record reaching a pre-aggregated window is a partial (else a raw record, e.g. one the combiner let through late). */
export function isWindowPartial(record: unknown): record is unknown[] {
  if (!Array.isArray(record) || record.length < 2) return false;
  const tag: unknown = record[0];
  return tag === PARTIAL || tag === PARTIAL_FLAT;
}

/** The accumulator a partial carries (a fresh array for a flat one; `copy`: a fresh copy of a nested one too). */
export function partialAccumulator(partial: readonly unknown[], copy = false): unknown {
  if (partial[0] === PARTIAL_FLAT) return partial.slice(2);
  const acc = partial[2];
  return copy && typeof acc === 'object' && acc !== null ? structuredClone(acc) : acc;
}

// A remote partial's tag comes out of the codec as a fresh string, a local one is the constant itself (internalized):
// one call with a fresh copy at load gives both comparisons generic string feedback from the start, so TurboFan does
// not compile them for internalized strings only and deoptimize the window's add at the first remote partial.
const freshTag = [PARTIAL_FLAT.split('').join(''), 0, 0];
isWindowPartial(freshTag);
partialAccumulator(freshTag);

/**
 * The unit the local phase folds into: the window for tumbling windows; for sliding windows the pane of one
 * slide (windows are unions of size/slide panes, so a pane's partial belongs whole to every window that holds
 * the pane's last timestamp, which is how the window operator assigns it).
 */
export function paneOf(spec: WindowSpec): { size: number; offset: number } {
  const a = spec.assigner;
  if (a.kind === 'tumbling') return { size: a.size, offset: a.offset };
  if (a.kind === 'sliding') return { size: a.slide, offset: a.offset };
  throw new Error('internal: no panes for this window assigner');
}

/** The partial of (key, accumulator): flat when the accumulator is a plain array of strings, numbers and booleans. */
export function makePartial(key: Key, acc: unknown): unknown[] {
  if (Array.isArray(acc) && Object.getPrototypeOf(acc) === Array.prototype) {
    let flat = true;
    for (let i = 0; i < acc.length; i++) {
      const t = typeof acc[i];
      if (t !== 'number' && t !== 'string' && t !== 'boolean') { flat = false; break; }
    }
    // Extra own properties (acc.total = …) would not survive the spread: those go nested (the codec keeps them).
    if (flat && Object.keys(acc).length === acc.length) {
      // Packed, as the codec builds the tuples it reads: the window then sees one array map from local and remote
      // channels alike (a holey `new Array(n)` here made its add and merge polymorphic and deoptimized them).
      if (acc.length === 2) return [PARTIAL_FLAT, key, acc[0], acc[1]];
      const out: unknown[] = [PARTIAL_FLAT, key];
      for (let i = 0; i < acc.length; i++) out.push(acc[i]);
      return out;
    }
  }
  return [PARTIAL, key, acc];
}

/** The key of a record or a partial: the key selector of the edge and of the window behind a combiner. */
export function partialAwareKey(selector: KeySelector<unknown, Key>): KeySelector<unknown, Key> {
  return (record: unknown): Key => (isWindowPartial(record) ? record[1] as Key : selector(record));
}

/**
 * Why a window cannot be pre-aggregated, or undefined when it can: event-time tumbling windows, or sliding
 * windows whose size is a multiple of the slide (folded per pane), on the default trigger, no evictor, and an incremental function whose partial results merge (an AggregateFunction
 * with `merge`, or a ReduceFunction: associative by contract).
 */
export function notCombinable(spec: WindowSpec): string | undefined {
  const a = spec.assigner;
  if (a.time !== 'event-time') return 'not an event-time window';
  if (a.kind === 'sliding') {
    if (a.size % a.slide !== 0) return 'a sliding window whose size is not a multiple of its slide (no panes)';
  } else if (a.kind !== 'tumbling') {
    return 'not a tumbling or sliding window';
  }
  if (spec.trigger !== undefined) return 'a custom trigger';
  if (spec.evictor !== undefined) return 'an evictor';
  if (spec.fn.kind === 'process') return 'a ProcessWindowFunction alone (it needs every element)';
  if (spec.fn.kind === 'aggregate' && typeof spec.fn.aggregate.merge !== 'function') return 'an AggregateFunction without merge';
  return undefined;
}

const EMPTY = Symbol('empty');

/** The local phase's accumulation: the user's createAccumulator/add, or a reduce (the first record is its own accumulator). */
export function localAggregate(fn: WindowFunctionSpec): Pick<AggregateFunction<unknown, unknown, unknown>, 'createAccumulator' | 'add'> {
  if (fn.kind === 'aggregate') return fn.aggregate;
  if (fn.kind === 'reduce') {
    const reduce = fn.reduce;
    return { createAccumulator: () => EMPTY, add: (v, acc) => (acc === EMPTY ? v : reduce(acc, v)) };
  }
  throw new Error('internal: a process window function has no local phase');
}

/**
 * The global phase's window function: the same accumulator as the user's function (so the window state and
 * its checkpoints are the same), where a partial is merged into it and any other record added.
 * A reduce becomes this AggregateFunction (its accumulator is the reduced value, as the window operator keeps it).
 */
export function globalWindowSpec(spec: WindowSpec): WindowSpec {
  const fn = spec.fn;
  // A sliding pane's partial is added to several windows: each gets its own accumulator (merge may keep or mutate it).
  const copy = spec.assigner.kind === 'sliding';
  let agg: AggregateFunction<unknown, unknown, unknown>;
  if (fn.kind === 'aggregate') {
    const user = fn.aggregate;
    const merge = user.merge!.bind(user);
    agg = {
      createAccumulator: () => user.createAccumulator(),
      add: (v, acc) => (isWindowPartial(v) ? merge(acc, partialAccumulator(v, copy)) : user.add(v, acc)),
      getResult: (acc) => user.getResult(acc),
      merge,
    };
  } else if (fn.kind === 'reduce') {
    const reduce = fn.reduce;
    const merge = (a: unknown, b: unknown): unknown => (a === EMPTY ? b : b === EMPTY ? a : reduce(a, b));
    agg = {
      createAccumulator: () => EMPTY,
      add: (v, acc) => merge(acc, isWindowPartial(v) ? partialAccumulator(v, copy) : v),
      getResult: (acc) => acc,
      merge,
    };
  } else {
    throw new Error('internal: a process window function has no global phase');
  }
  return { ...spec, fn: { kind: 'aggregate', aggregate: agg, process: fn.process } };
}
