// The heap backend's storage (one Map per key group per state, copy-on-write) and the state objects bound to it.
//
// Copy-on-write by epochs. The backend keeps an epoch number; a snapshot keeps references
// to the per-key-group maps and then increments the epoch. Everything stamped with an
// older epoch (a key group's map, and the cells inside it: every stored value sits in a
// cell, whose `v` is replaced in place, and the mutable containers in list and MapState
// cells) may be referenced by a snapshot, so the first write to it in the new epoch copies
// it and stamps the copy. A cell stamped with the current epoch was created after the last
// snapshot, in a map of this epoch, so nothing else holds it: writing into it is safe.
// That is what makes `value()` then `update()` one hash lookup: value() remembers the cell
// it found (for the current key, `KeyContext.stamp`), update() writes into it when it is of
// this epoch, and only otherwise owns the map and puts a new cell (once per key per epoch).
// Rejected: a "shared" flag per map, cleared on copy, cannot tell the containers inside
// a copied map apart from the snapshot's; a version per entry is what Flink's
// CopyOnWriteStateMap does too, here coarsened to containers.

import { WeirError } from '../core/errors.ts';
import type { Key } from '../core/types.ts';
import type { AggregateFunction, StateKind } from './descriptors.ts';
import { denormalizeKey, normalizeKey, type NormalizedKey } from './key-encoding.ts';
import type { AggregatingState, ListState, MapState, ReducingState, ValueState } from './state-types.ts';

/**
 * Time this thread spent copying a key group's map that a snapshot still held, on its first write
 * after the snapshot: a cost of checkpointing paid while records are processed. The task adds it to
 * the next checkpoint's ack and resets it (runtime/task.ts). Timed per map copy (once per key group
 * and epoch); the per-key copies of list and map containers are not timed, as a clock read would
 * cost about what such a small copy does.
 */
export const copyOnWriteTime = { ms: 0.5 };
// Made a double field at once (0.5, then 0): starting from a Smi 0, the first copy's fractional time changed the
// field's representation, which deoptimized every hot function that inlined copyOnWrite (a keyed operator's
// processElement, ValueState.update, the chained output's collect), right after the first checkpoint.
copyOnWriteTime.ms = 0;

/** A copy of a map a snapshot still holds, made on the first write after the snapshot, timed into copyOnWriteTime. */
export function copyOnWrite<K, V>(map: Map<K, V>): Map<K, V> {
  const started = performance.now();
  const copy = new Map(map);
  copyOnWriteTime.ms += performance.now() - started;
  return copy;
}

/** The current key, shared by the backend and every state object it made. */
export class KeyContext {
  key: Key | undefined = undefined;
  norm: NormalizedKey = '';
  /** keyGroup - range.start; -1 until a key is set. */
  kgIndex = -1;
  keyGroup = -1;
  epoch = 0;
  /** Changes with every setCurrentKey (and restore): a cell remembered under another stamp is stale. */
  stamp = 0;
  constructor() {
    // Written twice so V8 never takes `epoch` for a constant: the first snapshot's increment would otherwise
    // deoptimize every state access compiled before it (the first checkpoint's one-time slowdown).
    this.epoch = 1;
    this.epoch = 0;
  }
}

/** A mutable container stamped with the epoch it was created in. */
export interface Cell<V> {
  v: V;
  ver: number;
}

// Every `{ v, ver }` literal shares one hidden class. Its `v` is made generic (tagged, mutable) here, before any
// state exists: left to the values, one heap number stored early made `v` a double field for every state of the
// thread (seen with --trace-generalization in bench/jobs/abs-experiment.ts, probably its sums: a value computed from a
// double array's element is a heap number even when integral),
// so that every integer count was stored and read as a boxed double (the ABS job at p=1 ran ~10 % slower, with and
// without checkpoints). The cost: a double value now takes a new heap number per update instead of one reused box.
const genericCell: Cell<unknown> = { v: undefined, ver: 0 };
genericCell.v = 0.5;
genericCell.v = genericCell;
genericCell.v = 0;

function noKey(name: string): never {
  throw new WeirError(`state "${name}" was accessed with no current key: keyed state needs setCurrentKey() first (is the stream keyed?)`, {
    code: 'WEIR_STATE_NO_KEY',
    fault: 'internal',
  });
}

/** One named state: its kind and one Map per key group of the backend's range. */
export class StateTable {
  readonly name: string;
  readonly kind: StateKind;
  /** Index = keyGroup - range.start; undefined until first written. */
  readonly tables: (Map<NormalizedKey, unknown> | undefined)[];
  /** Epoch each table was created or copied in; writable iff equal to the current epoch. */
  readonly vers: number[];
  handle: unknown = undefined;

  constructor(name: string, kind: StateKind, size: number) {
    this.name = name;
    this.kind = kind;
    this.tables = new Array<Map<NormalizedKey, unknown> | undefined>(size).fill(undefined);
    this.vers = new Array<number>(size).fill(-1);
  }

  /** The writable map of key-group index i: created, or copied if a snapshot may hold it. */
  own(i: number, epoch: number): Map<NormalizedKey, unknown> {
    let t = this.tables[i];
    if (t !== undefined && this.vers[i] === epoch) return t;
    if (i < 0) noKey(this.name);
    t = t === undefined ? new Map() : copyOnWrite(t);
    this.tables[i] = t;
    this.vers[i] = epoch;
    return t;
  }

  /** The current key's stored entry, for reading. */
  read(ctx: KeyContext): unknown {
    const t = this.tables[ctx.kgIndex];
    if (t === undefined) {
      if (ctx.kgIndex < 0) noKey(this.name);
      return undefined;
    }
    return t.get(ctx.norm);
  }

  /** Removes the current key's entry, copying the table only when there is something to remove. */
  remove(ctx: KeyContext): void {
    const t = this.tables[ctx.kgIndex];
    if (t === undefined) {
      if (ctx.kgIndex < 0) noKey(this.name);
      return;
    }
    if (t.has(ctx.norm)) {
      this.own(ctx.kgIndex, ctx.epoch).delete(ctx.norm);
      this.onRemove?.(ctx.norm);
    }
  }

  /** Told of each entry remove() takes out (a HeapWindowState evicts the key from its cache). */
  onRemove: ((norm: NormalizedKey) => void) | undefined = undefined;

  /** The current key's cell, writable in this epoch, or a new one from `init`. */
  ownCell<V>(ctx: KeyContext, init: () => V, copy: (v: V) => V): Cell<V> {
    const t = this.own(ctx.kgIndex, ctx.epoch);
    const c = t.get(ctx.norm) as Cell<V> | undefined;
    if (c !== undefined && c.ver === ctx.epoch) return c;
    const fresh: Cell<V> = { v: c === undefined ? init() : copy(c.v), ver: ctx.epoch };
    t.set(ctx.norm, fresh);
    return fresh;
  }
}

const EMPTY: readonly never[] = Object.freeze([]);
const newArray = (): unknown[] => [];
const copyArray = (a: unknown[]): unknown[] => a.slice();
const newMap = (): Map<NormalizedKey, unknown> => new Map();
const copyMap = (m: Map<NormalizedKey, unknown>): Map<NormalizedKey, unknown> => new Map(m);

/** Deep copy for accumulators a snapshot may still reference (user functions may mutate them). */
export function cloneValue<V>(v: V): V {
  return typeof v === 'object' && v !== null ? structuredClone(v) : v;
}

export class HeapValueState<T> implements ValueState<T> {
  readonly #t: StateTable;
  readonly #ctx: KeyContext;
  readonly #default: T | undefined;
  /** The cell value() found for the key of `#stamp` (undefined: none stored). */
  #cell: Cell<T> | undefined = undefined;
  #stamp = -1;
  constructor(table: StateTable, ctx: KeyContext, defaultValue: T | undefined) {
    this.#t = table;
    this.#ctx = ctx;
    this.#default = defaultValue;
  }
  value(): T | undefined {
    const ctx = this.#ctx;
    const c = this.#t.read(ctx) as Cell<T> | undefined;
    this.#cell = c;
    this.#stamp = ctx.stamp;
    return c === undefined ? this.#default : c.v;
  }
  /**
   * Whether the value value() just returned sits in a cell of this epoch: then no snapshot
   * holds it, and its owner (an operator that stores private copies, never shared objects)
   * may mutate it in place instead of storing a new value. Runtime-internal.
   */
  ownsValue(): boolean {
    const c = this.#cell;
    return c !== undefined && this.#stamp === this.#ctx.stamp && c.ver === this.#ctx.epoch;
  }
  update(value: T): void {
    if (value === undefined) return this.clear();
    const ctx = this.#ctx;
    const c = this.#cell;
    // The cell value() just read, created in this epoch: no snapshot holds it, no second lookup.
    if (c !== undefined && this.#stamp === ctx.stamp && c.ver === ctx.epoch) {
      c.v = value;
      return;
    }
    const fresh: Cell<T> = { v: value, ver: ctx.epoch };
    this.#t.own(ctx.kgIndex, ctx.epoch).set(ctx.norm, fresh);
    this.#cell = fresh;
    this.#stamp = ctx.stamp;
  }
  clear(): void {
    this.#cell = undefined;
    this.#stamp = -1;
    this.#t.remove(this.#ctx);
  }
}

export class HeapListState<T> implements ListState<T> {
  readonly #t: StateTable;
  readonly #ctx: KeyContext;
  constructor(table: StateTable, ctx: KeyContext) {
    this.#t = table;
    this.#ctx = ctx;
  }
  get(): readonly T[] {
    const c = this.#t.read(this.#ctx) as Cell<T[]> | undefined;
    return c === undefined ? EMPTY : c.v;
  }
  add(value: T): void {
    (this.#t.ownCell(this.#ctx, newArray, copyArray) as Cell<T[]>).v.push(value);
  }
  addAll(values: Iterable<T>): void {
    const items = Array.from(values);
    if (items.length === 0) return;
    const list = (this.#t.ownCell(this.#ctx, newArray, copyArray) as Cell<T[]>).v;
    for (const item of items) list.push(item);
  }
  update(values: Iterable<T>): void {
    const items = Array.from(values);
    if (items.length === 0) return this.clear();
    const ctx = this.#ctx;
    this.#t.own(ctx.kgIndex, ctx.epoch).set(ctx.norm, { v: items, ver: ctx.epoch } satisfies Cell<T[]>);
  }
  clear(): void {
    this.#t.remove(this.#ctx);
  }
}

export class HeapMapState<K extends Key, V> implements MapState<K, V> {
  readonly #t: StateTable;
  readonly #ctx: KeyContext;
  constructor(table: StateTable, ctx: KeyContext) {
    this.#t = table;
    this.#ctx = ctx;
  }
  #map(): Map<NormalizedKey, V> | undefined {
    return (this.#t.read(this.#ctx) as Cell<Map<NormalizedKey, V>> | undefined)?.v;
  }
  #own(): Map<NormalizedKey, V> {
    return (this.#t.ownCell(this.#ctx, newMap, copyMap) as Cell<Map<NormalizedKey, V>>).v;
  }
  get(key: K): V | undefined {
    return this.#map()?.get(normalizeKey(key));
  }
  put(key: K, value: V): void {
    this.#own().set(normalizeKey(key), value);
  }
  putAll(entries: Iterable<readonly [K, V]>): void {
    const m = this.#own();
    for (const [k, v] of entries) m.set(normalizeKey(k), v);
    if (m.size === 0) this.clear();
  }
  contains(key: K): boolean {
    return this.#map()?.has(normalizeKey(key)) ?? false;
  }
  remove(key: K): void {
    const nk = normalizeKey(key);
    if (!(this.#map()?.has(nk) ?? false)) return;
    const m = this.#own();
    m.delete(nk);
    if (m.size === 0) this.clear();
  }
  *entries(): IterableIterator<[K, V]> {
    const m = this.#map();
    if (m !== undefined) for (const [k, v] of m) yield [denormalizeKey(k) as K, v];
  }
  *keys(): IterableIterator<K> {
    const m = this.#map();
    if (m !== undefined) for (const k of m.keys()) yield denormalizeKey(k) as K;
  }
  *values(): IterableIterator<V> {
    const m = this.#map();
    if (m !== undefined) yield* m.values();
  }
  isEmpty(): boolean {
    return (this.#map()?.size ?? 0) === 0;
  }
  clear(): void {
    this.#t.remove(this.#ctx);
  }
}

export class HeapReducingState<T> implements ReducingState<T> {
  readonly #t: StateTable;
  readonly #ctx: KeyContext;
  readonly #reduce: (a: T, b: T) => T;
  constructor(table: StateTable, ctx: KeyContext, reduce: (a: T, b: T) => T) {
    this.#t = table;
    this.#ctx = ctx;
    this.#reduce = reduce;
  }
  get(): T | undefined {
    return (this.#t.read(this.#ctx) as Cell<T> | undefined)?.v;
  }
  add(value: T): void {
    const ctx = this.#ctx;
    const t = this.#t.own(ctx.kgIndex, ctx.epoch);
    const c = t.get(ctx.norm) as Cell<T> | undefined;
    if (c === undefined) t.set(ctx.norm, { v: value, ver: ctx.epoch } satisfies Cell<T>);
    else if (c.ver === ctx.epoch) c.v = this.#reduce(c.v, value);
    else t.set(ctx.norm, { v: this.#reduce(cloneValue(c.v), value), ver: ctx.epoch } satisfies Cell<T>);
  }
  clear(): void {
    this.#t.remove(this.#ctx);
  }
}

export class HeapAggregatingState<IN, ACC, OUT> implements AggregatingState<IN, OUT> {
  readonly #t: StateTable;
  readonly #ctx: KeyContext;
  readonly #agg: AggregateFunction<IN, ACC, OUT>;
  constructor(table: StateTable, ctx: KeyContext, agg: AggregateFunction<IN, ACC, OUT>) {
    this.#t = table;
    this.#ctx = ctx;
    this.#agg = agg;
  }
  get(): OUT | undefined {
    const c = this.#t.read(this.#ctx) as Cell<ACC> | undefined;
    return c === undefined ? undefined : this.#agg.getResult(c.v);
  }
  add(value: IN): void {
    const ctx = this.#ctx;
    const t = this.#t.own(ctx.kgIndex, ctx.epoch);
    const c = t.get(ctx.norm) as Cell<ACC> | undefined;
    if (c !== undefined && c.ver === ctx.epoch) {
      c.v = this.#agg.add(value, c.v);
      return;
    }
    const acc = c === undefined ? this.#agg.createAccumulator() : cloneValue(c.v);
    t.set(ctx.norm, { v: this.#agg.add(value, acc), ver: ctx.epoch } satisfies Cell<ACC>);
  }
  clear(): void {
    this.#t.remove(this.#ctx);
  }
}

/**
 * One window of a key: a node of the key's short list of windows (newest first). `v` belongs to
 * this epoch iff `ver` is the current epoch (then it may be mutated). A node of an older epoch is
 * never mutated (a snapshot's lists stay intact): changes copy the path to it. A node of this epoch
 * is reachable from no snapshot (a snapshot ends the epoch, and the first write after it copies the
 * key group's table), so its `next` may be relinked in place (clear of a window behind it).
 */
class WindowNode<ACC> {
  readonly ns: number;
  v: ACC;
  readonly ver: number;
  next: WindowNode<ACC> | undefined;
  constructor(ns: number, v: ACC, ver: number, next: WindowNode<ACC> | undefined) {
    this.ns = ns;
    this.v = v;
    this.ver = ver;
    this.next = next;
  }
}

function replaceNode<ACC>(head: WindowNode<ACC>, target: WindowNode<ACC>, replacement: WindowNode<ACC> | undefined): WindowNode<ACC> | undefined {
  if (head === target) return replacement;
  return new WindowNode(head.ns, head.v, head.ver, replaceNode(head.next!, target, replacement));
}

/**
 * Per-window accumulators of the current key, one state table for every window: the key's
 * entry is the list of its windows (one or a few are open at a time: size/slide for sliding
 * windows), each under a namespace (a number: the window operator uses the window's end,
 * unique among one key's windows). The window operator's contents. A record for the newest
 * window costs one Map lookup by the key's normalized form (which setCurrentKey computed
 * anyway) and one comparison. Rejected: a composite [key, start, end] key per window (what
 * plain keyed state would need): normalizing it builds and hashes a fresh string per record,
 * which was most of a window operator's cost; a Map or parallel arrays per key: two to four
 * more dependent loads per record, measurable at 100 ns per record.
 */
export class HeapWindowState<IN, ACC> {
  readonly #t: StateTable;
  readonly #ctx: KeyContext;
  readonly #agg: AggregateFunction<IN, ACC, unknown>;
  /**
   * A direct-mapped cache of number keys' entries (slot s = key & SLOT_MASK), kept exact: every change of a
   * key's head made here updates its slot, and a removal by anyone else (StateTable.remove: the backend's
   * clearCurrentKey, clearAllOfCurrentKey) evicts the key (onRemove). A record of a cached key skips the Map
   * lookup (the table Map, its hash table, bucket and entry: dependent loads that miss the cache with a
   * thousand keys cycling), the largest single cost of a window operator's record before the cache.
   * Copy-on-write copies (own) keep the heads; a snapshot makes them an older epoch, so the in-place test
   * fails and the slow path replaces them (updating the slot). Restores happen before the first access (a
   * task restores before it opens its operators), with the cache still empty.
   *
   * `#slotF` holds per slot, side by side (one cache line): [4s] the key (NaN: empty; a NaN key never
   * matches, so it always takes the Map), [4s+1] the namespace of the key's window last added to (NaN:
   * none) and [4s+2] that node's epoch. A record for that window, of this epoch, loads no node: its
   * accumulator is `#slotAcc[s]` (the node's `v`), the node `#slotNode[s]`. Float64 compares: no generic
   * equality for a slot holding another type.
   */
  readonly #slotF: Float64Array = new Float64Array(SLOTS * 4).fill(Number.NaN);
  readonly #slotHead: (WindowNode<ACC> | undefined)[] = new Array<WindowNode<ACC> | undefined>(SLOTS).fill(undefined);
  readonly #slotNode: (WindowNode<ACC> | undefined)[] = new Array<WindowNode<ACC> | undefined>(SLOTS).fill(undefined);
  readonly #slotAcc: (ACC | undefined)[] = new Array<ACC | undefined>(SLOTS).fill(undefined);
  constructor(table: StateTable, ctx: KeyContext, agg: AggregateFunction<IN, ACC, unknown>) {
    this.#t = table;
    this.#ctx = ctx;
    this.#agg = agg;
    table.onRemove = (norm) => {
      if (typeof norm === 'number' && this.#slotF[(norm & SLOT_MASK) << 2] === norm) this.#slotF[(norm & SLOT_MASK) << 2] = Number.NaN;
    };
  }
  /** The current key's list head, through the slot cache for number keys. */
  #head(): WindowNode<ACC> | undefined {
    const ctx = this.#ctx;
    const norm = ctx.norm;
    if (typeof norm === 'number') {
      const s = norm & SLOT_MASK;
      if (this.#slotF[s << 2] === norm) return this.#slotHead[s];
    }
    const t = this.#t.tables[ctx.kgIndex];
    if (t === undefined && ctx.kgIndex < 0) noKey(this.#t.name);
    const head = t === undefined ? undefined : (t.get(norm) as WindowNode<ACC> | undefined);
    this.#remember(norm, head);
    return head;
  }
  /** Records `head` as the current head of `norm`'s list (undefined: no entry); voids its last window. */
  #remember(norm: NormalizedKey, head: WindowNode<ACC> | undefined): void {
    if (typeof norm !== 'number') return;
    const s = norm & SLOT_MASK;
    const f = this.#slotF;
    f[s << 2] = norm;
    f[(s << 2) + 1] = Number.NaN;
    this.#slotHead[s] = head;
  }
  /** Puts the current key's new list head into its writable table (and the slot). */
  #store(head: WindowNode<ACC>): void {
    const ctx = this.#ctx;
    this.#t.own(ctx.kgIndex, ctx.epoch).set(ctx.norm, head);
    this.#remember(ctx.norm, head);
  }
  #find(ns: number): WindowNode<ACC> | undefined {
    let e = this.#head();
    while (e !== undefined && e.ns !== ns) e = e.next;
    return e;
  }
  /** The raw accumulator of window `ns` of the current key (do not mutate it), undefined when empty. */
  get(ns: number): ACC | undefined {
    return this.#find(ns)?.v;
  }
  /** Adds `value` to window `ns`; true when the window had no accumulator before. */
  add(ns: number, value: IN): boolean {
    const ctx = this.#ctx;
    const epoch = ctx.epoch;
    const norm = ctx.norm;
    if (typeof norm === 'number') {
      const s = norm & SLOT_MASK;
      const f = this.#slotF;
      const b = s << 2;
      // The key's last window, of this epoch: updated in place without loading its node.
      if (f[b] === norm && f[b + 1] === ns && f[b + 2] === epoch) {
        const acc = this.#slotAcc[s] as ACC;
        const next = this.#agg.add(value, acc);
        if (next !== acc) {
          this.#slotNode[s]!.v = next;
          this.#slotAcc[s] = next;
        }
        return false;
      }
    }
    return this.#addSlow(ns, value, norm, epoch);
  }
  #addSlow(ns: number, value: IN, norm: NormalizedKey, epoch: number): boolean {
    const head = this.#head();
    let e = head;
    while (e !== undefined && e.ns !== ns) e = e.next;
    // A node of this epoch sits in a table of this epoch (no snapshot holds either): updated in place.
    if (e !== undefined && e.ver === epoch) {
      e.v = this.#agg.add(value, e.v);
      this.#lastAdded(norm, e);
      return false;
    }
    if (this.#ctx.kgIndex < 0) noKey(this.#t.name);
    if (e === undefined) {
      const node = new WindowNode(ns, this.#agg.add(value, this.#agg.createAccumulator()), epoch, head);
      this.#store(node);
      this.#lastAdded(norm, node);
      return true;
    }
    const node = new WindowNode(ns, this.#agg.add(value, cloneValue(e.v)), epoch, e.next);
    this.#store(replaceNode(head!, e, node)!);
    this.#lastAdded(norm, node);
    return false;
  }
  /** `node` (of this epoch, in the table) is the one the key's next records most likely go to. */
  #lastAdded(norm: NormalizedKey, node: WindowNode<ACC>): void {
    if (typeof norm !== 'number') return;
    const s = norm & SLOT_MASK;
    const f = this.#slotF;
    if (f[s << 2] !== norm) return; // #head() or #store() remembered the key just before
    f[(s << 2) + 1] = node.ns;
    f[(s << 2) + 2] = node.ver;
    this.#slotNode[s] = node;
    this.#slotAcc[s] = node.v;
  }
  /** Replaces window `ns`'s accumulator. */
  set(ns: number, acc: ACC): void {
    const ctx = this.#ctx;
    if (ctx.kgIndex < 0) noKey(this.#t.name);
    const head = this.#head();
    let e = head;
    while (e !== undefined && e.ns !== ns) e = e.next;
    if (e === undefined) this.#store(new WindowNode(ns, acc, ctx.epoch, head));
    else this.#store(replaceNode(head!, e, new WindowNode(ns, acc, ctx.epoch, e.next))!);
  }
  clear(ns: number): void {
    this.take(ns);
  }
  /**
   * Removes window `ns` of the current key and returns its raw accumulator (undefined when it had none):
   * a firing that also cleans up walks the key's list once. The nodes before it are relinked in place
   * when they are all of this epoch (no snapshot sees them), else copied (replaceNode).
   */
  take(ns: number): ACC | undefined {
    const ctx = this.#ctx;
    if (ctx.kgIndex < 0) noKey(this.#t.name);
    const epoch = ctx.epoch;
    const head = this.#head();
    let prev: WindowNode<ACC> | undefined;
    let own = true;
    let e = head;
    while (e !== undefined && e.ns !== ns) {
      if (e.ver !== epoch) own = false;
      prev = e;
      e = e.next;
    }
    if (e === undefined) return undefined;
    const norm = ctx.norm;
    if (typeof norm === 'number') {
      const b = (norm & SLOT_MASK) << 2;
      if (this.#slotF[b] === norm && this.#slotF[b + 1] === ns) this.#slotF[b + 1] = Number.NaN;
    }
    if (prev !== undefined && own) {
      prev.next = e.next;
      return e.v;
    }
    const rest = prev === undefined ? e.next : replaceNode(head!, e, e.next);
    if (rest !== undefined) {
      this.#store(rest);
      return e.v;
    }
    // The key's last window: its entry goes (not through StateTable.remove, which would void the slot cache).
    this.#t.own(ctx.kgIndex, ctx.epoch).delete(norm);
    this.#remember(norm, undefined);
    return e.v;
  }
  /** The namespaces of the current key's windows, newest first. */
  namespaces(): number[] {
    const out: number[] = [];
    for (let e = this.#head(); e !== undefined; e = e.next) out.push(e.ns);
    return out;
  }
}

/** Slots of HeapWindowState's key cache (a power of two). */
const SLOTS = 4096;
const SLOT_MASK = SLOTS - 1;

/** A stored window entry as a blob holds it: [ns0, acc0, ns1, acc1, ...], newest first. */
export function flattenWindowCells(stored: unknown): unknown[] {
  const flat: unknown[] = [];
  for (let e = stored as WindowNode<unknown> | undefined; e !== undefined; e = e.next) flat.push(e.ns, e.v);
  return flat;
}

/** The inverse of flattenWindowCells, stamped with `epoch`. */
export function windowCellsOf(flat: unknown, epoch: number): unknown {
  const a = flat as unknown[];
  let head: WindowNode<unknown> | undefined;
  for (let i = a.length - 2; i >= 0; i -= 2) head = new WindowNode(a[i] as number, a[i + 1], epoch, head);
  return head;
}
