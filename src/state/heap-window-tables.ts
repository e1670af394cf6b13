// Window-major contents of tumbling event-time windows on the default trigger: per window, its keys' accumulators side by side.
//
// Layout. One table per open window (by its end), holding the window's keys in arrival order with
// their key group and accumulator in parallel arrays, and an index from normalized key to position.
// A new (key, window) is an append; the window fires by walking its arrays (in arrival order, the
// order a timer per (key, window) registered in arrival order fired in), and its state goes by
// dropping the table. There is no timer per (key, window): the window operator fires and cleans
// up whole tables as the watermark passes their end − 1 and end − 1 + allowed lateness. The
// key-major layout this replaces for these windows (HeapWindowState plus a key timer per window
// end in the timer service) walked a key's list of windows and a key's timer Set per new (key,
// window) and per firing: with the periodic watermark leaving a dozen windows open per key, that
// was ~3.7 µs per (key, window), a third of the windows benchmark's slot thread.
//
// Checkpoints keep the key-major form. A snapshot captures the tables (O(windows)) and writes,
// per key group, exactly what the key-major layout wrote: under the state name, per key its
// [end, acc, end, acc, ...] newest first (the backend's blob), and per key the timers it would
// have had (end − 1 while its firing is due, end − 1 + allowed lateness with allowed lateness)
// into the timer blob. So checkpoints and savepoints restore at any parallelism, and across the
// change in either direction. A restore moves the backend's restored entries into tables
// (adoptRestored) and reads which firings are still due from the restored timers.
//
// Copy-on-write by the backend's epochs, as the rest of the heap backend: the key, norm and key-group
// arrays only grow (a snapshot keeps the length it saw); the accumulator array of a table is
// copied on its first write after a snapshot, and an accumulator on its first update after one
// (user add functions mutate their accumulator in place).
//
// Per record: number keys hit a direct-mapped cache of (key, window end) → position and accumulator
// (emptied by every snapshot), as HeapWindowState's; a miss looks the key up in the window's index.

import { WeirError } from '../core/errors.ts';
import type { Key } from '../core/types.ts';
import type { AggregateFunction } from './descriptors.ts';
import { cloneValue, type KeyContext } from './heap-states.ts';
import type { NormalizedKey } from './key-encoding.ts';

const EMPTY_DUE: boolean[] = [];

/** One window's keys and accumulators. */
export class WindowTable<ACC = unknown> {
  readonly end: number;
  readonly keys: Key[] = [];
  readonly norms: NormalizedKey[] = [];
  /** Key-group index (key group − the backend's range start) per entry. */
  readonly kgs: number[] = [];
  /** Replaced (copied) on its first write after a snapshot: see accsVer. */
  accs: ACC[] = [];
  /** The epoch each accumulator belongs to: updated in place iff equal to the current one. */
  readonly vers: number[] = [];
  /** The epoch `accs` belongs to. */
  accsVer: number;
  readonly index = new Map<NormalizedKey, number>();
  /** The window fired (every entry; later entries fire as they come, as late firings). */
  fired = false;
  /**
   * Restored only, when some keys' firings had happened and others were still due (a rescale merged
   * subtasks at different watermarks): per entry, true while its firing is due. Dropped when it fires.
   */
  due: boolean[] | undefined = undefined;
  constructor(end: number, epoch: number) {
    this.end = end;
    // The fields a firing or a snapshot writes later are written twice here, so V8 never compiles them as constants
    // (the first firing would otherwise deoptimize every function that read them: processElement's inlined add).
    this.accsVer = -1;
    this.accsVer = epoch;
    this.accs = [];
    this.fired = true;
    this.fired = false;
    this.due = EMPTY_DUE;
    this.due = undefined;
  }
  get size(): number {
    return this.keys.length;
  }
  /** Whether entry i's firing is still due. */
  isDue(i: number): boolean {
    return !this.fired && (this.due === undefined || this.due[i] === true);
  }
}

/** What a snapshot holds of one table. */
interface CapturedTable {
  readonly end: number;
  readonly n: number;
  readonly norms: readonly NormalizedKey[];
  readonly kgs: readonly number[];
  readonly accs: readonly unknown[];
  readonly fired: boolean;
  readonly due: readonly boolean[] | undefined;
}

/** The tables at snapshot time, written later (per key group) in the key-major form. */
export class CapturedWindowTables {
  readonly #tables: readonly CapturedTable[];
  readonly #lateness: number;
  #contents: Map<number, Map<NormalizedKey, unknown[]>> | undefined;
  #timers: Map<number, Map<NormalizedKey, number[]>> | undefined;
  constructor(tables: readonly CapturedTable[], lateness: number) {
    this.#tables = tables;
    this.#lateness = lateness;
  }

  /** Key-group index i's entries as the backend's blob holds window state: norm → [end, acc, ...], newest window first. */
  contents(i: number): Map<NormalizedKey, unknown> | undefined {
    if (this.#contents === undefined) {
      const by = new Map<number, Map<NormalizedKey, unknown[]>>();
      for (let w = this.#tables.length - 1; w >= 0; w--) {
        const t = this.#tables[w]!;
        for (let j = 0; j < t.n; j++) {
          const kg = t.kgs[j]!;
          let m = by.get(kg);
          if (m === undefined) by.set(kg, (m = new Map()));
          const norm = t.norms[j]!;
          const flat = m.get(norm);
          if (flat === undefined) m.set(norm, [t.end, t.accs[j]]);
          else flat.push(t.end, t.accs[j]);
        }
      }
      this.#contents = by;
    }
    return this.#contents.get(i);
  }

  /** Key-group index i's event-time timers as the timer blob holds them: [norm, times[], norm, times[], ...]. */
  timers(i: number): unknown[] | undefined {
    if (this.#timers === undefined) {
      const by = new Map<number, Map<NormalizedKey, number[]>>();
      const lateness = this.#lateness;
      for (const t of this.#tables) {
        for (let j = 0; j < t.n; j++) {
          const due = !t.fired && (t.due === undefined || t.due[j] === true);
          if (!due && lateness === 0) continue;
          const kg = t.kgs[j]!;
          let m = by.get(kg);
          if (m === undefined) by.set(kg, (m = new Map()));
          const norm = t.norms[j]!;
          let times = m.get(norm);
          if (times === undefined) m.set(norm, (times = []));
          if (due) times.push(t.end - 1);
          if (lateness > 0) times.push(t.end - 1 + lateness);
        }
      }
      this.#timers = by;
    }
    const m = this.#timers.get(i);
    if (m === undefined || m.size === 0) return undefined;
    const flat: unknown[] = [];
    for (const [norm, times] of m) flat.push(norm, times);
    return flat;
  }
}

/** Slots of the key cache (a power of two). */
const SLOTS = 4096;
const SLOT_MASK = SLOTS - 1;

/**
 * The window-major contents of one window operator (see the file comment). Every per-key call acts on
 * the backend's current key. Made by HeapKeyedStateBackend.getWindowTables.
 */
export class HeapWindowTables<IN = unknown, ACC = unknown> {
  readonly name: string;
  readonly #ctx: KeyContext;
  readonly #agg: AggregateFunction<IN, ACC, unknown>;
  readonly #lateness: number;
  /** Open tables, ascending by end (tumbling windows: their cleanup times ascend too). */
  readonly order: WindowTable<ACC>[] = [];
  readonly #byEnd = new Map<number, WindowTable<ACC>>();
  /** The table of the latest add (most records go to the window of the record before). */
  #cur: WindowTable<ACC> | undefined = undefined;
  /**
   * Per slot (number keys, key & SLOT_MASK): [2s] the key (NaN: empty), [2s+1] the window end. A slot names an
   * entry written in the current epoch (its accumulator and the table's array are this epoch's): capture() empties
   * every slot, so no epoch test per record.
   */
  readonly #slotF = new Float64Array(SLOTS * 2).fill(Number.NaN);
  readonly #slotTable: (WindowTable<ACC> | undefined)[] = new Array<WindowTable<ACC> | undefined>(SLOTS).fill(undefined);
  readonly #slotIdx = new Int32Array(SLOTS);
  readonly #slotAcc: (ACC | undefined)[] = new Array<ACC | undefined>(SLOTS).fill(undefined);

  constructor(name: string, ctx: KeyContext, agg: AggregateFunction<IN, ACC, unknown>, lateness: number) {
    this.name = name;
    this.#ctx = ctx;
    this.#agg = agg;
    this.#lateness = lateness;
  }

  /** Adds `value` to the current key's entry in the window ending at `end`; true when the entry is new. */
  add(end: number, value: IN): boolean {
    const norm = this.#ctx.norm;
    if (typeof norm === 'number') {
      const s = norm & SLOT_MASK;
      const f = this.#slotF;
      const b = s << 1;
      if (f[b] === norm && f[b + 1] === end) {
        const acc = this.#slotAcc[s] as ACC;
        const next = this.#agg.add(value, acc);
        if (next !== acc) {
          this.#slotAcc[s] = next;
          this.#slotTable[s]!.accs[this.#slotIdx[s]!] = next;
        }
        return false;
      }
    }
    return this.#addSlow(end, value);
  }

  #addSlow(end: number, value: IN): boolean {
    const ctx = this.#ctx;
    if (ctx.kgIndex < 0) noKey(this.name);
    const epoch = ctx.epoch;
    const norm = ctx.norm;
    const t = this.table(end);
    let i = t.index.get(norm);
    let fresh = false;
    let acc: ACC;
    if (i === undefined) {
      i = t.keys.length;
      acc = this.#agg.add(value, this.#agg.createAccumulator());
      t.keys.push(ctx.key!);
      t.norms.push(norm);
      t.kgs.push(ctx.kgIndex);
      t.accs.push(acc);
      t.vers.push(epoch);
      t.index.set(norm, i);
      fresh = true;
    } else {
      if (t.accsVer !== epoch) {
        t.accs = t.accs.slice();
        t.accsVer = epoch;
      }
      const old = t.accs[i]!;
      acc = this.#agg.add(value, t.vers[i] === epoch ? old : cloneValue(old));
      t.accs[i] = acc;
      t.vers[i] = epoch;
    }
    if (typeof norm === 'number') {
      const s = norm & SLOT_MASK;
      const b = s << 1;
      const f = this.#slotF;
      f[b] = norm;
      f[b + 1] = end;
      this.#slotTable[s] = t;
      this.#slotIdx[s] = i;
      this.#slotAcc[s] = acc;
    }
    return fresh;
  }

  /** The window's table, made (and put in end order) when new. */
  table(end: number): WindowTable<ACC> {
    const cur = this.#cur;
    if (cur !== undefined && cur.end === end) return cur;
    let t = this.#byEnd.get(end);
    if (t === undefined) {
      t = new WindowTable<ACC>(end, this.#ctx.epoch);
      this.#byEnd.set(end, t);
      const order = this.order;
      let j = order.length;
      while (j > 0 && order[j - 1]!.end > end) j--;
      order.splice(j, 0, t);
    }
    this.#cur = t;
    return t;
  }

  /** The current key's accumulator in the window ending at `end` (do not mutate it), undefined when none. */
  get(end: number): ACC | undefined {
    const t = this.#byEnd.get(end);
    if (t === undefined) return undefined;
    const i = t.index.get(this.#ctx.norm);
    return i === undefined ? undefined : t.accs[i];
  }

  /** Removes the first (earliest) table; the operator drops windows in end order. */
  dropFirst(): WindowTable<ACC> | undefined {
    const t = this.order.shift();
    if (t === undefined) return undefined;
    this.#byEnd.delete(t.end);
    if (this.#cur === t) this.#cur = undefined;
    // The slots still naming its end are stale; records for it are late from now on (never added), and a
    // window of the same end cannot open again (the watermark only advances), so no slot test can match.
    return t;
  }

  /** Puts a restored entry (the current epoch) into its window's table. */
  adopt(key: Key, norm: NormalizedKey, kgIndex: number, end: number, acc: ACC): void {
    const t = this.table(end);
    if (t.index.has(norm)) throw new WeirError(`window state "${this.name}": key ${String(key)} restored twice for the window ending at ${end}`, { code: 'WEIR_CHECKPOINT_CORRUPT', fault: 'external' });
    t.index.set(norm, t.keys.length);
    t.keys.push(key);
    t.norms.push(norm);
    t.kgs.push(kgIndex);
    t.accs.push(acc);
    t.vers.push(this.#ctx.epoch);
  }

  /**
   * After a restore: which entries' firings are still due (`isDue(key, kgIndex, end)`, from the restored
   * timers). A table whose entries are all due stays unfired, one with none due is fired, a mix keeps per-entry flags.
   */
  markRestoredFirings(isDue: (key: Key, kgIndex: number, end: number) => boolean): void {
    for (const t of this.order) {
      const due = t.keys.map((k, i) => isDue(k, t.kgs[i]!, t.end));
      const n = due.filter((d) => d).length;
      t.fired = n === 0;
      t.due = n === 0 || n === due.length ? undefined : due;
    }
  }

  /** Captures the tables for a snapshot (the caller then ends the epoch). */
  capture(): CapturedWindowTables {
    // From here on the accumulators are the snapshot's until copied: every record takes the slow path once.
    this.#slotF.fill(Number.NaN);
    const out: CapturedTable[] = [];
    for (const t of this.order) {
      out.push({ end: t.end, n: t.keys.length, norms: t.norms, kgs: t.kgs, accs: t.accs, fired: t.fired, due: t.due });
    }
    return new CapturedWindowTables(out, this.#lateness);
  }

  /** The number of distinct keys with an entry in some window. */
  numKeys(): number {
    if (this.order.length === 0) return 0;
    if (this.order.length === 1) return this.order[0]!.size;
    const seen = new Set<NormalizedKey>();
    for (const t of this.order) for (const n of t.norms) seen.add(n);
    return seen.size;
  }

  /** The number of event-time timers the key-major layout would hold (what a snapshot writes into the timer blob). */
  numTimers(): number {
    const cleanup = this.#lateness > 0 ? 1 : 0;
    let n = 0;
    for (const t of this.order) {
      if (t.due === undefined) n += t.size * ((t.fired ? 0 : 1) + cleanup);
      else for (let i = 0; i < t.size; i++) n += (t.isDue(i) ? 1 : 0) + cleanup;
    }
    return n;
  }
}

function noKey(name: string): never {
  throw new WeirError(`state "${name}" was accessed with no current key: keyed state needs setCurrentKey() first (is the stream keyed?)`, {
    code: 'WEIR_STATE_NO_KEY',
    fault: 'internal',
  });
}
