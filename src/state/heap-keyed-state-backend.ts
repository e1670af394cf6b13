// Keyed state on the JS heap: per-key-group maps, cheap copy-on-write snapshots, restore of any key-group subset (rescaling).

import { serialize } from 'node:v8';
import { ConfigError, WeirError } from '../core/errors.ts';
import type { Key } from '../core/types.ts';
import type {
  AggregateFunction,
  AggregatingStateDescriptor,
  ListStateDescriptor,
  MapStateDescriptor,
  ReducingStateDescriptor,
  StateKind,
  ValueStateDescriptor,
} from './descriptors.ts';
import { ValueStateDescriptor as ValueDescriptor } from './descriptors.ts';
import { deserializeSection, readKeyGroupBlob, writeKeyGroupBlob } from './key-group-blob.ts';
import { denormalizeKey, normalizeKey, type NormalizedKey } from './key-encoding.ts';
import { KeyGroupRange, keyGroupFor, validateParallelism } from './key-groups.ts';
import {
  type Cell,
  HeapAggregatingState,
  HeapListState,
  HeapMapState,
  HeapReducingState,
  HeapValueState,
  HeapWindowState,
  KeyContext,
  copyOnWriteTime,
  flattenWindowCells,
  windowCellsOf,
  StateTable,
  type CapturedSection,
} from './heap-states.ts';
import { HeapWindowTables, type CapturedWindowTables } from './heap-window-tables.ts';
import type { AggregatingState, ListState, MapState, ReducingState, ValueState } from './state-types.ts';

const MAGIC = 'WKS1';
const KINDS: readonly StateKind[] = ['value', 'list', 'map', 'reducing', 'aggregating', 'window'];

export interface HeapKeyedStateBackendOptions {
  readonly maxParallelism: number;
  readonly keyGroupRange: KeyGroupRange;
}

/**
 * A state's data as the snapshot captured it: per key group, the live map (never mutated while the snapshot holds
 * it: StateTable.own first replaces it here by its frozen contents), the frozen contents, or nothing.
 */
interface CapturedState {
  readonly name: string;
  readonly kind: StateKind;
  /** Emptied by release(), which StateTable.own then stops freezing for. */
  readonly tables: CapturedSection[];
  /** Window tables (HeapWindowTables): key-group index i's entries, already in the blob's form. */
  readonly windows?: CapturedWindowTables;
}

/** Stored values are cells (heap-states.ts), window state its own cells; blobs hold bare values. */
function unwrap(kind: StateKind, stored: unknown): unknown {
  if (kind === 'window') return flattenWindowCells(stored);
  return (stored as Cell<unknown>).v;
}

/**
 * A point-in-time view of a keyed backend. Taking it is O(states x key groups); write()
 * may run later (after awaits) while the backend keeps changing, and still renders the
 * state at snapshot time.
 */
export class KeyedStateSnapshot {
  readonly maxParallelism: number;
  readonly keyGroupRange: KeyGroupRange;
  #states: readonly CapturedState[] | undefined;

  /** @internal Made by HeapKeyedStateBackend.snapshot(). */
  constructor(maxParallelism: number, keyGroupRange: KeyGroupRange, states: readonly CapturedState[]) {
    this.maxParallelism = maxParallelism;
    this.keyGroupRange = keyGroupRange;
    this.#states = states;
  }

  /** Serializes the captured state, one section per key group (see key-group-blob.ts). */
  write(): Uint8Array {
    const steps = this.#serialize();
    let r = steps.next();
    while (!r.done) r = steps.next();
    return r.value;
  }

  /**
   * The same bytes as write(), serialized in slices of about `sliceMs`: between slices it
   * yields to the event loop, so the task keeps processing records (the captured maps are
   * copy-on-write, so later updates do not reach them). `busy.ms` grows by the time spent in the
   * slices themselves (this thread's time taken from records), not the time between them.
   */
  async writeAsync(sliceMs = 2, busy?: { ms: number }): Promise<Uint8Array> {
    const steps = this.#serialize();
    let sliceStart = performance.now();
    let r = steps.next();
    while (!r.done) {
      const now = performance.now();
      if (now - sliceStart > sliceMs) {
        if (busy) busy.ms += now - sliceStart;
        await new Promise<void>((resolve) => setImmediate(resolve));
        sliceStart = performance.now();
      }
      r = steps.next();
    }
    if (busy) busy.ms += performance.now() - sliceStart;
    return r.value;
  }

  /** Serializes one key group per step; returns the blob. */
  *#serialize(): Generator<void, Uint8Array, void> {
    const states = this.#states;
    if (states === undefined) {
      throw new WeirError('keyed state snapshot was already released', { code: 'WEIR_SNAPSHOT_RELEASED', fault: 'internal' });
    }
    const size = this.keyGroupRange.size;
    const sections: (Uint8Array | undefined)[] = new Array<Uint8Array | undefined>(size).fill(undefined);
    for (let i = 0; i < size; i++) {
      // [stateIndex, [k1, v1, k2, v2, ...], stateIndex, [...], ...]
      const payload: unknown[] = [];
      for (let s = 0; s < states.length; s++) {
        const st = states[s]!;
        const w = st.windows;
        const t = w === undefined ? st.tables[i] : w.contents(i);
        if (t === undefined) continue;
        if (Array.isArray(t)) {
          // Frozen by the first write after the snapshot, already in the blob's form.
          if (t.length > 0) payload.push(s, t);
          continue;
        }
        if (t.size === 0) continue;
        const flat: unknown[] = [];
        // forEach, not for-of: a KeyMap's iterator makes a pair per entry (a Map and a KeyMap take the same callback).
        const kind = st.kind;
        if (w === undefined) t.forEach((v: unknown, k: NormalizedKey) => flat.push(k, unwrap(kind, v)));
        else t.forEach((v: unknown, k: NormalizedKey) => flat.push(k, v));
        payload.push(s, flat);
      }
      if (payload.length > 0) sections[i] = serialize(payload);
      yield;
    }
    const meta = states.map((s) => [s.name, s.kind]);
    return writeKeyGroupBlob(MAGIC, this.maxParallelism, this.keyGroupRange, meta, sections);
  }

  /** Drops the references to the captured maps; write() fails afterwards. */
  release(): void {
    // Emptied so that the backend stops freezing key groups for this snapshot (StateTable.own).
    for (const st of this.#states ?? []) st.tables.length = 0;
    this.#states = undefined;
  }
}

export class HeapKeyedStateBackend {
  readonly maxParallelism: number;
  readonly keyGroupRange: KeyGroupRange;
  readonly #ctx = new KeyContext();
  readonly #states = new Map<string, StateTable>();
  /** Window-major window contents (getWindowTables), snapshotted as window state of the same name. */
  readonly #windowTables = new Map<string, HeapWindowTables<never, unknown>>();
  readonly #start: number;
  readonly #size: number;

  constructor(options: HeapKeyedStateBackendOptions) {
    validateParallelism(1, options.maxParallelism);
    const range = options.keyGroupRange;
    if (range.end >= options.maxParallelism) {
      throw new ConfigError(`key group range ${range.toString()} exceeds maxParallelism ${options.maxParallelism}`);
    }
    this.maxParallelism = options.maxParallelism;
    this.keyGroupRange = range;
    this.#start = range.start;
    this.#size = range.size;
  }

  /** No current key: state accesses fail (WEIR_STATE_NO_KEY) until the next setCurrentKey. */
  unsetCurrentKey(): void {
    const ctx = this.#ctx;
    ctx.key = undefined;
    ctx.norm = '';
    ctx.kgIndex = -1;
    ctx.keyGroup = -1;
    ctx.stamp++;
  }

  /** Sets the key that state accesses act on; `keyGroup` is the one the router computed for it. */
  setCurrentKey(key: Key, keyGroup: number): void {
    const i = keyGroup - this.#start;
    if (!(i >= 0 && i < this.#size)) {
      throw new WeirError(`key group ${keyGroup} of key ${String(key)} is outside this backend's ${this.keyGroupRange.toString()}`, {
        code: 'WEIR_STATE_KEY_GROUP',
        fault: 'internal',
      });
    }
    const ctx = this.#ctx;
    ctx.key = key;
    ctx.norm = normalizeKey(key);
    ctx.kgIndex = i;
    ctx.keyGroup = keyGroup;
    ctx.stamp++;
  }

  getCurrentKey(): Key | undefined {
    return this.#ctx.key;
  }

  getCurrentKeyGroup(): number {
    return this.#ctx.keyGroup;
  }

  getState<T>(d: ValueStateDescriptor<T>): ValueState<T> {
    const t = this.#table(d.name, d.kind);
    t.handle ??= new HeapValueState<T>(t, this.#ctx, d.defaultValue);
    return t.handle as ValueState<T>;
  }

  getListState<T>(d: ListStateDescriptor<T>): ListState<T> {
    const t = this.#table(d.name, d.kind);
    t.handle ??= new HeapListState<T>(t, this.#ctx);
    return t.handle as ListState<T>;
  }

  getMapState<K extends Key, V>(d: MapStateDescriptor<K, V>): MapState<K, V> {
    const t = this.#table(d.name, d.kind);
    t.handle ??= new HeapMapState<K, V>(t, this.#ctx);
    return t.handle as MapState<K, V>;
  }

  getReducingState<T>(d: ReducingStateDescriptor<T>): ReducingState<T> {
    const t = this.#table(d.name, d.kind);
    t.handle ??= new HeapReducingState<T>(t, this.#ctx, d.reduce);
    return t.handle as ReducingState<T>;
  }

  getAggregatingState<IN, ACC, OUT>(d: AggregatingStateDescriptor<IN, ACC, OUT>): AggregatingState<IN, OUT> {
    const t = this.#table(d.name, d.kind);
    t.handle ??= new HeapAggregatingState<IN, ACC, OUT>(t, this.#ctx, d.agg);
    return t.handle as AggregatingState<IN, OUT>;
  }

  /** Removes the current key's entry from state `stateName`, whatever its kind (window cleanup). */
  clearCurrentKey(stateName: string): void {
    this.#states.get(stateName)?.remove(this.#ctx);
  }

  /** Removes every state's entry of the current key (BATCH: a key's state goes once its input and timers are done). */
  clearAllOfCurrentKey(): void {
    for (const t of this.#states.values()) t.remove(this.#ctx);
  }

  /** Per-window accumulators of the current key (the window operator's contents; see HeapWindowState). */
  getWindowState<IN, ACC>(name: string, agg: AggregateFunction<IN, ACC, unknown>): HeapWindowState<IN, ACC> {
    const t = this.#table(name, 'window');
    t.handle ??= new HeapWindowState<IN, ACC>(t, this.#ctx, agg);
    return t.handle as HeapWindowState<IN, ACC>;
  }

  /**
   * Window-major contents of tumbling event-time windows (HeapWindowTables), snapshotted as window state
   * `name` (the form getWindowState writes). Window state of that name restored from a checkpoint moves
   * into the tables here; which of its firings are still due is the caller's to tell (markRestoredFirings).
   */
  getWindowTables<IN, ACC>(name: string, agg: AggregateFunction<IN, ACC, unknown>, allowedLateness: number): HeapWindowTables<IN, ACC> {
    const existing = this.#windowTables.get(name);
    if (existing !== undefined) return existing as unknown as HeapWindowTables<IN, ACC>;
    const restored = this.#states.get(name);
    if (restored !== undefined && restored.kind !== 'window') {
      throw new ConfigError(`state "${name}" is already registered as ${restored.kind} state and cannot be used as window state`);
    }
    const tables = new HeapWindowTables<IN, ACC>(name, this.#ctx, agg, allowedLateness);
    if (restored !== undefined) {
      // Oldest window first within each key (the key-major lists are newest first), keys in key-group order.
      for (let i = 0; i < this.#size; i++) {
        const m = restored.tables[i];
        if (m === undefined) continue;
        for (const [norm, stored] of m) {
          const flat = flattenWindowCells(stored);
          const key = denormalizeKey(norm);
          for (let j = flat.length - 2; j >= 0; j -= 2) tables.adopt(key, norm, i, flat[j] as number, flat[j + 1] as ACC);
        }
      }
      this.#states.delete(name);
    }
    this.#windowTables.set(name, tables as unknown as HeapWindowTables<never, unknown>);
    return tables;
  }

  #table(name: string, kind: StateKind): StateTable {
    if (this.#windowTables.has(name)) throw new ConfigError(`state "${name}" is already registered as window tables and cannot be used as ${kind} state`);
    let t = this.#states.get(name);
    if (t === undefined) {
      t = new StateTable(name, kind, this.#size);
      this.#states.set(name, t);
    } else if (t.kind !== kind) {
      throw new ConfigError(`state "${name}" is already registered as ${t.kind} state and cannot be used as ${kind} state`);
    }
    return t;
  }

  /** Captures the current state (cheap, synchronous); serialize it later with write(). */
  snapshot(): KeyedStateSnapshot {
    const captured: CapturedState[] = [];
    for (const t of this.#states.values()) captured.push({ name: t.name, kind: t.kind, tables: t.capture() });
    for (const w of this.#windowTables.values()) captured.push({ name: w.name, kind: 'window', tables: [], windows: w.capture() });
    // From now on every map and value stamped with an older epoch may be held by this snapshot.
    this.#ctx.epoch++;
    return new KeyedStateSnapshot(this.maxParallelism, this.keyGroupRange, captured);
  }

  /** The key-group range a blob written by KeyedStateSnapshot.write() covers. */
  static keyGroupRangeOf(blob: Uint8Array): KeyGroupRange {
    return readKeyGroupBlob(blob, MAGIC, 'keyed state blob').keyGroupRange;
  }

  /**
   * Loads, from blobs written by any subtasks with any ranges, exactly the key groups in
   * this backend's range (the others are skipped without being decoded).
   */
  restore(blobs: readonly Uint8Array[]): void {
    const epoch = this.#ctx.epoch;
    this.#ctx.stamp++;
    blobs.forEach((blob, b) => {
      const source = `keyed state blob #${b}`;
      const r = readKeyGroupBlob(blob, MAGIC, source);
      if (r.maxParallelism !== this.maxParallelism) {
        throw new ConfigError(
          `${source} was written with maxParallelism ${r.maxParallelism} but this backend has ${this.maxParallelism}: maxParallelism cannot change across a restore`,
        );
      }
      const meta = r.meta;
      const valid = Array.isArray(meta) && meta.every((m) => Array.isArray(m) && typeof m[0] === 'string' && KINDS.includes(m[1] as StateKind));
      if (!valid) throw new WeirError(`${source}: malformed state metadata`, { code: 'WEIR_CHECKPOINT_CORRUPT', fault: 'external' });
      const names = meta as [string, StateKind][];
      const from = Math.max(r.keyGroupRange.start, this.#start);
      const to = Math.min(r.keyGroupRange.end, this.keyGroupRange.end);
      for (let kg = from; kg <= to; kg++) {
        const bytes = r.section(kg);
        if (bytes === undefined) continue;
        const payload = deserializeSection(bytes, source, kg) as unknown[];
        for (let p = 0; p + 1 < payload.length; p += 2) {
          const entry = names[payload[p] as number];
          if (entry === undefined) throw new WeirError(`${source}: key group ${kg} names an unknown state`, { code: 'WEIR_CHECKPOINT_CORRUPT', fault: 'external' });
          const [name, kind] = entry;
          const table = this.#table(name, kind).own(kg - this.#start, epoch);
          const flat = payload[p + 1] as unknown[];
          for (let j = 0; j + 1 < flat.length; j += 2) {
            const v = flat[j + 1];
            table.set(flat[j] as NormalizedKey, kind === 'window' ? windowCellsOf(v, epoch) : ({ v, ver: epoch } satisfies Cell<unknown>));
          }
        }
      }
    });
  }

  /** Calls fn for every key with state under `stateName` (keys of a key group are listed before the calls, so fn may write state). */
  forEachKey(stateName: string, fn: (key: Key, keyGroup: number) => void): void {
    const t = this.#states.get(stateName);
    if (t === undefined) return;
    for (let i = 0; i < this.#size; i++) {
      const m = t.tables[i];
      if (m === undefined || m.size === 0) continue;
      for (const k of Array.from(m.keys())) fn(denormalizeKey(k), this.#start + i);
    }
  }

  /** The number of keys with state under `stateName`, or with any state when omitted. */
  numKeys(stateName?: string): number {
    if (stateName !== undefined) {
      const w = this.#windowTables.get(stateName);
      if (w !== undefined) return w.numKeys();
      let n = 0;
      for (const m of this.#states.get(stateName)?.tables ?? []) n += m?.size ?? 0;
      return n;
    }
    const windowKeys = new Map<number, Set<NormalizedKey>>();
    for (const w of this.#windowTables.values()) {
      for (const t of w.order) {
        for (let j = 0; j < t.size; j++) {
          let set = windowKeys.get(t.kgs[j]!);
          if (set === undefined) windowKeys.set(t.kgs[j]!, (set = new Set()));
          set.add(t.norms[j]!);
        }
      }
    }
    let n = 0;
    for (let i = 0; i < this.#size; i++) {
      const seen = windowKeys.get(i) ?? new Set<NormalizedKey>();
      for (const t of this.#states.values()) for (const k of t.tables[i]?.keys() ?? []) seen.add(k);
      n += seen.size;
    }
    return n;
  }

  /** The names of the registered or restored states. */
  stateNames(): string[] {
    return [...this.#states.keys(), ...this.#windowTables.keys()];
  }
}

/**
 * Runs a value state's write paths once across a snapshot, before a checkpointed job's first keyed task runs: the first write to a key after a
 * snapshot (the cell's stamp, its key group frozen for the snapshot) and the serialization. Their branches
 * otherwise first run at a job's first checkpoint, inside the user's processElement that inlined value() and
 * update(); without type feedback there, V8 deoptimizes it then ("insufficient type feedback") and compiles
 * it again, and the job ran 3–5 % slower with checkpoints every 1 s (docs/benchmarks.md, stop 21). It takes ~8 ms
 * of the thread, so jobs that never checkpoint (BATCH, no interval) skip it (stop 23); once per thread.
 */
let warmed = false;
export function warmSnapshotPaths(): void {
  if (warmed) return;
  warmed = true;
  const maxParallelism = 128;
  const backend = new HeapKeyedStateBackend({ maxParallelism, keyGroupRange: new KeyGroupRange(0, maxParallelism - 1) });
  const count = backend.getState(new ValueDescriptor<number>('warm-up'));
  const writeAll = (): void => {
    for (let k = 0; k < 256; k++) {
      backend.setCurrentKey(k, keyGroupFor(k, maxParallelism));
      count.update((count.value() ?? 0) + 1);
    }
  };
  writeAll();
  for (let round = 0; round < 4; round++) {
    const snapshot = backend.snapshot();
    writeAll();
    snapshot.write();
    snapshot.release();
  }
  copyOnWriteTime.ms = 0;
}

