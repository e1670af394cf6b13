// Local window pre-aggregation: folds a producer's records per (key, window) in front of a keyBy into an event-time tumbling window and sends one partial per (key, window).
//
// Sliding windows (size a multiple of the slide) are folded per pane of one slide instead: below, "window" is
// the pane. The earliest-ending window holding a pane ends with it (pane.maxTimestamp), so the rules hold for
// every window the pane's partial is added to.
//
// Inserted by the planner (graph/window-combine.ts), chained to the producer; its output is the keyBy edge. The
// partial format and the global phase are in api/windows/window-combine.ts; the reasoning in docs/event-time.md
// ("Pre-aggregation before the keyBy"). The rules that keep results identical to a run without it:
// - A record whose window is already behind this operator's watermark (maxTimestamp ≤ watermark: it may be late
//   downstream) passes through raw, unchanged, so the window operator decides lateness, allowed lateness and
//   late side output exactly as without the combiner. So does a record without a timestamp (the window's error).
// - Watermark W: the partials of every window with maxTimestamp ≤ W go out first, then W. A partial thus always
//   precedes its channel's watermark past its window, and the window operator's watermark (a minimum over
//   channels) cannot have passed it: a partial is never late there.
// - Early: when a record opens a window newer than any before, windows more than `lag` windows behind it go out
//   (#openWindow). They are ahead of the watermark, so their partials are not late either; a later record for one
//   starts a new entry (one more partial, merged by the window) and doubles the lag.
// - Idle: everything held goes out before the idle status, and combining stops for the attempt: the window's watermark
//   moves on with the other channels meanwhile, and a channel that becomes active again behind it does not hold it
//   back (watermark-valve.ts), so what is late at the window is no longer known here.
// - Checkpoint barrier (snapshotState, called before the task forwards the barrier) and end of input: everything
//   held goes out. No partial crosses a checkpoint, so exactly-once and rescaling are the window operator's.
// - Restore: the window operator resumes at its checkpointed watermark, which this operator's fresh watermark
//   (−∞) would not know of; so this operator keeps its last watermark as union state and starts from the largest
//   (≥ the window operator's, a minimum of those). A restored task without that state (a checkpoint from before
//   the combiner existed) combines nothing for the attempt: it cannot tell what is late downstream.
// - Memory: at most `maxKeys` (key, window) entries; past that, every entry goes out (not late: their windows
//   are ahead of the watermark). A budget flush that folded fewer than MIN_RECORDS_PER_ENTRY records per entry
//   (keys barely repeat) turns the operator into a pass-through for the rest of the attempt, like the BATCH
//   combiner (batch/combiner.ts).
// Without `combine` (the planner always sets it; the harness tests without) and in BATCH (AUTOMATIC resolved to it),
// records pass through and only the watermark is kept.

import type { Key } from '../../../core/types.ts';
import type { KeySelector } from '../../../api/functions.ts';
import { ListStateDescriptor, type ListState } from '../../../state/index.ts';
import { normalizeKey, type NormalizedKey } from '../../../state/key-encoding.ts';
import type { AggregateFunction } from '../../../api/windows/window-functions.ts';
import type { WindowSpec } from '../../../api/windows/window-spec.ts';
import { localAggregate, makePartial, paneOf } from '../../../api/windows/window-combine.ts';
import { windowStart } from '../../../api/windows/time-window.ts';
import { checkKey } from '../../network/record-writer.ts';
import { StreamOperator, type ElementTime } from '../../operator.ts';

/** Below this many records per (key, window) entry at a budget flush, combining stops (it would only add work). */
export const MIN_RECORDS_PER_ENTRY = 2;

class Entry {
  readonly key: Key;
  acc: unknown;
  /** The entry's window end; NaN once sent (a stale slot of the number-key cache then misses). */
  end: number;
  constructor(key: Key, acc: unknown, end: number) {
    this.key = key;
    this.acc = acc;
    // Written twice, so V8 never compiles `end` as a constant: the first flush's `end = NaN` would otherwise
    // deoptimize processElement (and what it inlines) on every thread.
    this.end = Number.NaN;
    this.end = end;
  }
}

/** The most windows (panes) held behind the newest one (see #openWindow); the memory budget bounds the entries anyway. */
const MAX_LAG = 1 << 20;

/** Direct-mapped cache of number keys' entries in the current window (key & SLOT_MASK), as the window state's. */
const SLOT_MASK = 1023;

export interface WindowCombinerOptions {
  readonly window: WindowSpec;
  /** The keyBy's own key selector (the user's). */
  readonly key: KeySelector<unknown, Key>;
  readonly combine: boolean;
  readonly maxKeys: number;
  /** The operator emitting into the keyBy, for the bad-key error (as a record writer names it). */
  readonly producerName: string;
}

export class WindowCombinerOperator extends StreamOperator {
  readonly #key: KeySelector<unknown, Key>;
  readonly #add: Pick<AggregateFunction<unknown, unknown, unknown>, 'createAccumulator' | 'add'>;
  readonly #size: number;
  readonly #offset: number;
  readonly #maxKeys: number;
  readonly #producerName: string;
  #combining: boolean;
  /** Window end → its entries by normalized key (few windows are open at once: a Map of Maps, no composite key per record). */
  readonly #windows = new Map<number, Map<NormalizedKey, Entry>>();
  #entries = 0;
  /** Records folded and entries made since the last budget flush or since nothing was held: the budget flush's ratio. */
  #sinceFlush = 0;
  #made = 0;
  /** The start of the newest window a record opened, and how many windows behind it stay held (see #openWindow). */
  #newestStart = Number.NEGATIVE_INFINITY;
  #lag = 1;
  /** The largest window end sent before the watermark reached it (−∞: none): a record for such a window reopens it. */
  #earlyEnd = Number.NEGATIVE_INFINITY;
  /** Cache of the last record's window: its start and its entries. */
  #lastStart = Number.NaN;
  #lastWindow: Map<NormalizedKey, Entry> | undefined;
  readonly #slots: (Entry | undefined)[] = new Array<Entry | undefined>(SLOT_MASK + 1).fill(undefined);
  #element!: ElementTime;
  #watermark = Number.NEGATIVE_INFINITY;
  #watermarkState!: ListState<number>;
  /** Records taken, partials sent, records passed through raw (tests, metrics). */
  recordsIn = 0;
  partialsOut = 0;
  rawOut = 0;

  constructor(options: WindowCombinerOptions) {
    super();
    const pane = paneOf(options.window);
    this.#size = pane.size;
    this.#offset = pane.offset;
    this.#key = options.key;
    this.#add = localAggregate(options.window.fn);
    this.#maxKeys = options.maxKeys;
    this.#producerName = options.producerName;
    this.#combining = options.combine;
    // Fields first written after records flowed (the first flush, the first raw record, idleness) are written once
    // more here: V8 then never compiles them as constants, whose first write would deoptimize the record path.
    this.#combining = !options.combine;
    this.#combining = options.combine;
    this.partialsOut = 1;
    this.partialsOut = 0;
    this.rawOut = 1;
    this.rawOut = 0;
  }

  /** Whether records are being pre-aggregated now (false: passing through). */
  get combining(): boolean {
    return this.#combining;
  }

  /** (key, window) entries held. */
  get held(): number {
    return this.#entries;
  }

  override open(): void {
    const ctx = this.context;
    this.#element = ctx.element;
    this.#watermarkState = ctx.operatorState.getUnionListState(new ListStateDescriptor<number>('_window-combine-watermark'));
    let restored = Number.NEGATIVE_INFINITY;
    let any = false;
    for (const w of this.#watermarkState.get()) { any = true; if (w > restored) restored = w; }
    this.#watermark = restored;
    if (ctx.batch) this.#combining = false;
    // A restore without this operator's watermark: what the window operator resumed at is unknown (see above).
    if (ctx.restored === true && !any) this.#combining = false;
  }

  processElement(record: unknown): void {
    this.recordsIn++;
    if (!this.#combining) {
      this.rawOut++;
      this.output.collect(record);
      return;
    }
    const time = this.#element.timestamp;
    const size = this.#size;
    let start = this.#lastStart;
    let window = this.#lastWindow;
    let key: unknown = this.#key(record);
    if (time >= start && time < start + size && typeof key === 'number') {
      // The common case: a number key already folded in the current window.
      const e = this.#slots[key & SLOT_MASK];
      if (e !== undefined && e.key === key && e.end === start + size) {
        this.#sinceFlush++;
        e.acc = this.#add.add(record, e.acc);
        return;
      }
    } else if (!(time >= start && time < start + size)) {
      // NaN (no timestamp) fails every comparison: raw, the window operator names the error.
      start = time === time ? windowStart(time, this.#offset, size) : Number.NaN;
      const end = start + size;
      if (!(end - 1 > this.#watermark)) {
        this.rawOut++;
        this.output.collect(record);
        return;
      }
      window = this.#windows.get(end);
      if (window === undefined) window = this.#openWindow(start, end);
      this.#lastStart = start;
      this.#lastWindow = window;
    }
    if (typeof key !== 'string' || (key.length > 0 && key.charCodeAt(0) === 0)) key = checkKey(key, record, this.#producerName);
    const norm = typeof key === 'string' && (key.length === 0 || key.charCodeAt(0) !== 0) ? key : normalizeKey(key as Key);
    let entry = window!.get(norm);
    this.#sinceFlush++;
    if (entry !== undefined) {
      entry.acc = this.#add.add(record, entry.acc);
      if (typeof key === 'number') this.#slots[key & SLOT_MASK] = entry;
      return;
    }
    entry = new Entry(key as Key, this.#add.add(record, this.#add.createAccumulator()), start + size);
    window!.set(norm, entry);
    if (typeof key === 'number') this.#slots[key & SLOT_MASK] = entry;
    this.#made++;
    if (++this.#entries >= this.#maxKeys) this.#flushOverBudget();
  }

  /**
   * A record opens a window (pane) with nothing held: windows more than `#lag` windows behind the newest go out now,
   * before the watermark closes them. They are ahead of this operator's watermark (anything else was sent at a
   * watermark or passed raw), so their partials are not late at the window either, and the window merges any later
   * partial of theirs as one more. Sending them early keeps two windows held instead of every window between two
   * periodic watermarks (a dozen or more), and spreads the partials over the input instead of a burst per watermark
   * (a burst of tens of thousands at the first one, through code not yet optimized). A record for a window sent early
   * (disorder beyond `#lag` windows) doubles the lag, so a stream whose disorder spans windows soon keeps enough of them.
   */
  #openWindow(start: number, end: number): Map<NormalizedKey, Entry> {
    const size = this.#size;
    if (end <= this.#earlyEnd && this.#lag < MAX_LAG) this.#lag *= 2;
    if (start > this.#newestStart) {
      this.#newestStart = start;
      const bound = start - this.#lag * size;
      if (bound > this.#earlyEnd && this.#entries > 0) {
        this.#earlyEnd = bound;
        this.#emitUpTo(bound - 1);
      }
    }
    const window = new Map<NormalizedKey, Entry>();
    this.#windows.set(end, window);
    return window;
  }

  override processWatermark(timestamp: number): void {
    if (timestamp > this.#watermark) {
      this.#watermark = timestamp;
      this.#emitUpTo(timestamp);
    }
    this.output.emitWatermark(timestamp);
  }

  override processWatermarkStatus(idle: boolean): void {
    if (idle) {
      this.#emitUpTo(Number.POSITIVE_INFINITY);
      // While this channel is idle the window's watermark moves on with the others, and it does not wait for this one
      // when it comes back behind it: what is late there is unknown from here, so nothing more is combined.
      this.#combining = false;
    }
    this.output.emitWatermarkStatus(idle);
  }

  override snapshotState(): void {
    this.#emitUpTo(Number.POSITIVE_INFINITY);
    // Always one value (−∞ too): a restore tells "no watermark yet" from "no state of this operator".
    this.#watermarkState.update([this.#watermark]);
  }

  override finish(): void {
    this.#emitUpTo(Number.POSITIVE_INFINITY);
  }

  #flushOverBudget(): void {
    const folded = this.#sinceFlush / this.#made;
    this.#emitUpTo(Number.POSITIVE_INFINITY);
    if (folded < MIN_RECORDS_PER_ENTRY) this.#combining = false;
  }

  /** Sends the partials of every window with maxTimestamp ≤ `watermark`, oldest window first, each with its maxTimestamp. */
  #emitUpTo(watermark: number): void {
    if (this.#entries === 0) return;
    const windows = this.#windows;
    const element = this.context.element;
    const saved = element.timestamp;
    // Oldest due window first. Few windows are held (about two, see #openWindow): a scan for the oldest per window sent
    // is cheaper than sorting, and keeps this function small (it is compiled on every thread, OSR included).
    for (;;) {
      let end = Number.POSITIVE_INFINITY;
      for (const e of windows.keys()) if (e < end) end = e;
      if (end === Number.POSITIVE_INFINITY || end - 1 > watermark) break;
      const entries = windows.get(end)!;
      windows.delete(end);
      if (entries === this.#lastWindow) {
        this.#lastWindow = undefined;
        this.#lastStart = Number.NaN;
      }
      element.timestamp = end - 1;
      this.#send(entries);
      this.#entries -= entries.size;
    }
    element.timestamp = saved;
    if (this.#entries === 0) {
      this.#sinceFlush = 0;
      this.#made = 0;
    }
  }

  /** One window's partials, stamped by the caller. */
  #send(entries: Map<NormalizedKey, Entry>): void {
    const out = this.output;
    for (const e of entries.values()) {
      e.end = Number.NaN;
      this.partialsOut++;
      out.collect(makePartial(e.key, e.acc));
    }
  }
}
