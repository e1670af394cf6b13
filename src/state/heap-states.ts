// The heap backend's storage (one KeyMap per key group per state, copy-on-write) and the state objects bound to it.
//
// Copy-on-write by epochs. The backend keeps an epoch number; a snapshot keeps references
// to the per-key-group maps (StateTable.capture) and then increments the epoch. A key group's
// map stamped with an older epoch may be held by a pending snapshot, so the first write to it in
// the new epoch first hands every snapshot still holding it a frozen copy of its contents (the
// flat [key, value, ...] list the snapshot serializes), and only then writes: the live map and
// its cells stay where they are. The values inside the cells (and the mutable containers of list
// and MapState, an accumulator a reduce mutates) may now be referenced by that frozen copy, so a
// cell stamped with an older epoch never has its value mutated in place: the first write to it in
// the new epoch replaces the value (a copy, for in-place mutations) and stamps the cell. A cell
// stamped with the current epoch holds a value no snapshot references: mutating it is safe.
// That is what makes `value()` then `update()` one hash lookup: value() remembers the cell
// it found (for the current key, `KeyContext.stamp`), update() writes into it (stamping it, after
// owning its key group's map if a snapshot may still hold that).
// Rejected: copying the map for the live side and putting a new cell for each key's first write
// after a snapshot (the design until stop 21): correct, but the new cells, allocated in the order
// of the first writes after the snapshot, slowed every later access by ~12 % in
// bench/jobs/abs-experiment.ts (docs/benchmarks.md, "ABS at a 1 s interval"); a "shared" flag per
// map cannot tell the containers inside apart from the snapshot's.

import { WeirError } from '../core/errors.ts';
import type { Key } from '../core/types.ts';
import type { AggregateFunction, StateKind } from './descriptors.ts';
import { denormalizeKey, normalizeKey, type NormalizedKey } from './key-encoding.ts';
import { KeyMap } from '../core/key-map.ts';
import type { AggregatingState, ListState, MapState, ReducingState, ValueState } from './state-types.ts';

/**
 * Time this thread spent freezing a key group's contents for the snapshots that still held its map,
 * on its first write after the snapshot: a cost of checkpointing paid while records are processed.
 * The task adds it to the next checkpoint's ack and resets it (runtime/task.ts). Timed per frozen
 * key group (once per key group and epoch); the per-key copies of list and map containers are not
 * timed, as a clock read would cost about what such a small copy does.
 */
export const copyOnWriteTime = { ms: 0.5 };
// Made a double field at once (0.5, then 0): starting from a Smi 0, the first copy's fractional time changed the
// field's representation, which deoptimized every hot function that inlined the copy (a keyed operator's
// processElement, ValueState.update, the chained output's collect), right after the first checkpoint.
copyOnWriteTime.ms = 0;

/**
 * What a snapshot holds of one key group of one state: the live map (shared until the first write after the
 * snapshot), a frozen flat list [key, value, ...] of its contents at the snapshot (see StateTable.own), or nothing.
 */
/** A copy of a map a snapshot still holds, made on the first write after the snapshot, timed into copyOnWriteTime (timer tables). */
export function copyOnWrite<K, V>(map: Map<K, V>): Map<K, V> {
  const started = performance.now();
  const copy = new Map(map);
  copyOnWriteTime.ms += performance.now() - started;
  return copy;
}

export type CapturedSection = KeyMap<unknown> | unknown[] | undefined;

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
// `ver` is rewritten too, so V8 never takes it for a constant field: a cell's first write after a snapshot stamps
// it (StateTable.own's comment), which would otherwise deoptimize every function that read a `ver`.
const genericCell: Cell<unknown> = { v: undefined, ver: 0 };
genericCell.v = 0.5;
genericCell.v = genericCell;
genericCell.v = 0;
genericCell.ver = 1;
genericCell.ver = 0;

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
  readonly tables: (KeyMap<unknown> | undefined)[];
  /** Epoch each table was created or copied in; writable iff equal to the current epoch. */
  readonly vers: number[];
  handle: unknown = undefined;

  constructor(name: string, kind: StateKind, size: number) {
    this.name = name;
    this.kind = kind;
    this.tables = new Array<KeyMap<unknown> | undefined>(size).fill(undefined);
    this.vers = new Array<number>(size).fill(-1);
  }

  /**
   * The key-group sections of the snapshots taken and not yet released (capture()), weakly: a snapshot
   * dropped without release() is collected as usual. release() empties its arrays, which are then dropped here.
   */
  #captures: WeakRef<CapturedSection[]>[] = [];

  /** The sections a snapshot holds: this table's maps now; own() freezes each one before its first write. */
  capture(): CapturedSection[] {
    const c: CapturedSection[] = this.tables.slice();
    this.#captures.push(new WeakRef(c));
    return c;
  }

  /** The writable map of key-group index i: created, or, if a snapshot may hold it, frozen for the snapshots first. */
  own(i: number, epoch: number): KeyMap<unknown> {
    let t = this.tables[i];
    if (t !== undefined && this.vers[i] === epoch) return t;
    if (i < 0) noKey(this.name);
    if (t === undefined) {
      t = new KeyMap();
      this.tables[i] = t;
    } else {
      this.#release(i, t);
    }
    this.vers[i] = epoch;
    return t;
  }

  /** Gives every pending snapshot that holds map t (key-group index i) a frozen copy of its contents instead. */
  #release(i: number, t: KeyMap<unknown>): void {
    const caps = this.#captures;
    if (caps.length === 0) return;
    const started = performance.now();
    let frozen: unknown[] | undefined;
    let kept = 0;
    for (let j = 0; j < caps.length; j++) {
      const c = caps[j]!.deref();
      if (c === undefined || c.length === 0) continue;
      caps[kept++] = caps[j]!;
      if (c[i] === t) c[i] = frozen ??= this.#freeze(t);
    }
    caps.length = kept;
    copyOnWriteTime.ms += performance.now() - started;
  }

  /** A key group's contents as a blob section lists them: [key, value, ...] (a window entry's nodes flattened). */
  #freeze(t: KeyMap<unknown>): unknown[] {
    const flat: unknown[] = [];
    if (this.kind === 'window') t.forEach((v, k) => flat.push(k, flattenWindowCells(v)));
    else t.forEach((v, k) => flat.push(k, (v as Cell<unknown>).v));
    return flat;
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
      // A cell a state object remembered for this key (HeapValueState) is no longer in the map: writing into it
      // would lose the write.
      ctx.stamp++;
      this.onRemove?.(ctx.norm);
    }
  }

  /** Told of each entry remove() takes out (a HeapWindowState evicts the key from its cache). */
  onRemove: ((norm: NormalizedKey) => void) | undefined = undefined;

  /** The current key's cell with a value of this epoch (copied from an older one), or a new one from `init`. */
  ownCell<V>(ctx: KeyContext, init: () => V, copy: (v: V) => V): Cell<V> {
    const t = this.own(ctx.kgIndex, ctx.epoch);
    const c = t.get(ctx.norm) as Cell<V> | undefined;
    if (c !== undefined) {
      if (c.ver !== ctx.epoch) {
        c.v = copy(c.v);
        c.ver = ctx.epoch;
      }
      return c;
    }
    const fresh: Cell<V> = { v: init(), ver: ctx.epoch };
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
    // The cell value() just read: no second lookup. Its value is replaced, never mutated, so only its
    // key group's map must be owned first when the cell is older than this epoch (once per key and epoch).
    if (c !== undefined && this.#stamp === ctx.stamp) {
      if (c.ver !== ctx.epoch) this.#stampCell(c, ctx);
      c.v = value;
      return;
    }
    this.#put(value, ctx);
  }
  /** The first write of the key's cell in this epoch: its key group's map owned (frozen for a snapshot holding it). */
  #stampCell(c: Cell<T>, ctx: KeyContext): void {
    this.#t.own(ctx.kgIndex, ctx.epoch);
    c.ver = ctx.epoch;
  }
  /** update() without value() before it for this key: one lookup in the owned map. */
  #put(value: T, ctx: KeyContext): void {
    const t = this.#t.own(ctx.kgIndex, ctx.epoch);
    let c = t.get(ctx.norm) as Cell<T> | undefined;
    if (c === undefined) {
      c = { v: value, ver: ctx.epoch };
      t.set(ctx.norm, c);
    } else {
      c.v = value;
      c.ver = ctx.epoch;
    }
    this.#cell = c;
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
    else {
      // The value may be in a snapshot's frozen copy, and the reduce may mutate its first argument.
      c.v = this.#reduce(cloneValue(c.v), value);
      c.ver = ctx.epoch;
    }
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
    if (c !== undefined) {
      // The accumulator may be in a snapshot's frozen copy, and add() may mutate it.
      c.v = this.#agg.add(value, cloneValue(c.v));
      c.ver = ctx.epoch;
      return;
    }
    t.set(ctx.norm, { v: this.#agg.add(value, this.#agg.createAccumulator()), ver: ctx.epoch } satisfies Cell<ACC>);
  }
  clear(): void {
    this.#t.remove(this.#ctx);
  }
}

/**
 * One window of a key: a node of the key's short list of windows (newest first). `v` belongs to
 * this epoch iff `ver` is the current epoch (then it may be mutated). A node of an older epoch is
 * never mutated (a snapshot's lists stay intact): changes copy the path to it. A node of this epoch
 * is reachable from no snapshot (a snapshot ends the epoch, and the first write after it gives the
 * snapshot the key group's contents flattened: StateTable.own), so its `next` may be relinked in place (clear of a window behind it).
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
   * StateTable.own keeps the live map and its heads; a snapshot makes them an older epoch, so the in-place test
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
