// The keyed window operator: assigns records to windows, keeps one accumulator per (key, window), fires on triggers, handles lateness.
//
// What fires when. Default triggers (Flink's), inlined on the fast path:
// - a window [start, end) fires when the watermark (or the processing-time clock) reaches
//   end − 1, through a timer of the keyed timer service (checkpointed with the state);
// - event time: its contents are kept until end − 1 + allowedLateness (the cleanup timer);
//   a record for it that arrives meanwhile updates the contents and fires it again at once
//   (a late firing with the updated result);
// - a record whose every window is past cleanup is late: it goes to the late-data side
//   output if one is set, else it is dropped;
// - emitted results carry the window's end − 1 as their timestamp.
// With a custom trigger, an evictor or global windows, the general path asks a Trigger object
// instead (onElement / onEventTime / onProcessingTime → CONTINUE, FIRE, PURGE, FIRE_AND_PURGE) and
// cleans up at the same cleanup time: contents, the trigger's clear(), and every (key, window)-scoped
// state (the trigger's, the ProcessWindowFunction's windowState()). Global windows have no cleanup.
// State is namespaced by window (window-contents.ts); timers are keyed [userKey, start, end] in userKey's key group,
// except on the default trigger for tumbling and sliding windows (there a timer is userKey's own, at window end − 1
// (fire) and end − 1 + allowedLateness (cleanup), and its time names the window: one size) and for session
// windows without allowed lateness (userKey's own timer at end − 1 fires and cleans up the one session of that
// key ending at end: a key's sessions never overlap, so no two share an end). No composite key per timer means
// no key encoding per (key, window). A session job restored from a checkpoint whose timers are composite (taken
// before key timers, without the `_session-key-timers` marker) keeps the composite layout.
// The operator's watermark is checkpointed too (union state; a restore starts from the highest):
// a source restarts its watermark from nothing, and without this floor a record for a window
// that fired before the checkpoint would open that window again after a restore.

import { WeirError, describeValue } from '../../../core/errors.ts';
import type { Collector, Key } from '../../../core/types.ts';
import { instantiate } from '../../../api/transformation.ts';
import { GLOBAL_WINDOW, TimeWindow, windowStart } from '../../../api/windows/time-window.ts';
import type { Evictor, EvictorContext, TimestampedValue } from '../../../api/windows/evictors.ts';
import { EventTimeTrigger, NeverTrigger, ProcessingTimeTrigger, type Trigger, type TriggerContext, type TriggerResult } from '../../../api/windows/triggers.ts';
import type { ProcessWindowContext, ProcessWindowFunction } from '../../../api/windows/window-functions.ts';
import type { WindowSpec } from '../../../api/windows/window-spec.ts';
import type { OutputTag } from '../../../api/output-tag.ts';
import { ListStateDescriptor, type ReducingStateDescriptor, type HeapKeyedStateBackend, type HeapWindowState, type InternalTimerService, type ListState } from '../../../state/index.ts';
import type { WindowTable } from '../../../state/heap-window-tables.ts';
import { StreamOperator, type ElementTime, type Output } from '../../operator.ts';
import { NO_OUTPUT } from '../../output.ts';
import { closeFunction, openFunction } from '../runtime-context.ts';
import { assignWindows } from './assigners.ts';
import { MergingWindowSet } from './merging-window-set.ts';
import { CONTENTS_STATE, WindowContents, accumulationOf, listAccumulation, splitComposite, type Accumulation } from './window-contents.ts';
import { keyStateStore, windowStateStore, type WindowScope } from './window-state-store.ts';
import type { HeapWindowTables } from '../../../state/heap-window-tables.ts';

const TRIGGER_STATE = '_trigger/';
/** The window tables hold no timers in the timer service. */
const NO_TIMER = (): void => {};
const WINDOW_STATE = '_window/';

export class WindowOperator extends StreamOperator {
  readonly #spec: WindowSpec;
  readonly #operatorName: string;
  readonly #eventTime: boolean;
  readonly #lateness: number;
  readonly #accumulation: Accumulation;
  readonly #tumbling: { size: number; offset: number } | undefined;
  /**
   * Tumbling and sliding windows on the default trigger: the one window size. Their timers are then
   * the user key's own (window end − 1 names the window), not a [key, start, end] composite: no array
   * and no key encoding per (key, window), and number keys stay numbers in the timer tables.
   */
  readonly #windowSize: number | undefined;
  /** Tumbling event-time windows on the default trigger: the per-record path is processElement's own. */
  readonly #tumblingEventTime: boolean;
  /** The tumbling window size and offset (0 for other assigners). */
  readonly #size: number = 0;
  readonly #offset: number = 0;
  #element!: ElementTime;
  /** Session windows on the default trigger without allowed lateness: key timers at end − 1 (decided in open()). */
  #sessionKeyTimers = false;
  #sessionLayout!: ListState<number>;
  /** The trigger of the general path; undefined on the fast path (the default trigger, inlined). */
  readonly #trigger: Trigger<unknown> | undefined;
  readonly #evictor: Evictor<unknown> | undefined;
  #process: ProcessWindowFunction<unknown, unknown, Key> | undefined;
  #backend!: HeapKeyedStateBackend;
  #timers!: InternalTimerService;
  #contents!: WindowContents;
  /** The contents' state itself, for the tumbling path (one call less per record). */
  #windowState!: HeapWindowState<unknown, unknown>;
  /**
   * Tumbling event-time windows on the default trigger, outside BATCH: the window-major contents
   * (state/heap-window-tables.ts) instead of #contents, fired and cleaned up per window, no timer per (key, window).
   */
  #tables: HeapWindowTables | undefined = undefined;
  /** With window tables: the timer service's watermark (only this operator advances it), read per record. */
  #watermark = Number.NEGATIVE_INFINITY;
  #sessions: MergingWindowSet | undefined;
  #late: Output = NO_OUTPUT;
  #context!: ProcessWindowContext & { window: TimeWindow };
  /** The (key, window) the trigger context and windowState() act on. */
  readonly #scope: WindowScope = { key: 0, keyGroup: 0, window: GLOBAL_WINDOW };
  #triggerContext!: TriggerContext;
  /** The windows being merged while the trigger's onMerge runs. */
  #merging: readonly TimeWindow[] | undefined;
  #evictorContext!: EvictorContext;
  /** Names of the (key, window)-scoped state tables that may hold entries (cleared at cleanup). */
  readonly #scopedTables = new Set<string>();
  #watermarkState!: ListState<number>;
  /** Records dropped as late (no late-data tag). */
  droppedLate = 0;

  constructor(spec: WindowSpec, operatorName: string) {
    super();
    this.#spec = spec;
    this.#operatorName = operatorName;
    this.#eventTime = spec.assigner.time === 'event-time';
    this.#lateness = this.#eventTime ? spec.allowedLateness : 0;
    this.#evictor = spec.evictor;
    this.#accumulation = spec.evictor === undefined ? accumulationOf(spec.fn) : listAccumulation();
    const a = spec.assigner;
    const general = spec.trigger !== undefined || spec.evictor !== undefined || a.kind === 'global';
    if (general) {
      this.#trigger = spec.trigger ?? (a.kind === 'global' ? NeverTrigger.create() : this.#eventTime ? EventTimeTrigger.create() : ProcessingTimeTrigger.create());
    }
    this.#tumbling = a.kind === 'tumbling' && !general ? { size: a.size, offset: a.offset } : undefined;
    this.#windowSize = !general && (a.kind === 'tumbling' || a.kind === 'sliding') ? a.size : undefined;
    this.#tumblingEventTime = this.#tumbling !== undefined && this.#eventTime;
    if (this.#tumbling !== undefined) {
      this.#size = this.#tumbling.size;
      this.#offset = this.#tumbling.offset;
    }
    // Fields first written while records flow (the first watermark, the first firing) are written once more here, so V8
    // never compiles them as constants: each such first write would otherwise deoptimize every function compiled with
    // the constant inlined (processElement and what it inlines), costing one more TurboFan compile of each per thread.
    this.#watermark = 0;
    this.#watermark = Number.NEGATIVE_INFINITY;
    this.#lastStart = 0;
    this.#lastStart = Number.NaN;
    this.#setScope('', 1, new TimeWindow(0, 0));
    this.#setScope(0, 0, GLOBAL_WINDOW);
    this.droppedLate = 1;
    this.droppedLate = 0;
  }

  override open(): void | Promise<void> {
    this.#backend = this.context.keyedBackend!;
    this.#element = this.context.element;
    this.#timers = this.context.timers!;
    const backend = this.#backend;
    if (this.#tumblingEventTime && !this.context.batch) {
      const tables = backend.getWindowTables(CONTENTS_STATE, this.#accumulation.agg, this.#lateness);
      // Restored from a checkpoint: a (key, window) whose firing timer is there has not fired yet.
      const first = backend.keyGroupRange.start;
      tables.markRestoredFirings((key, kgIndex, end) => this.#timers.hasEventTimeTimer(key, first + kgIndex, end - 1));
      this.#timers.setWindowTables(tables);
      this.#tables = tables;
    } else {
      this.#contents = new WindowContents(backend, this.#accumulation.agg);
      this.#windowState = this.#contents.state;
    }
    if (this.#spec.assigner.kind === 'session') this.#sessions = new MergingWindowSet(backend);
    if (this.#spec.lateDataTag !== undefined) this.#late = this.sideOutputs.get(this.#spec.lateDataTag) ?? NO_OUTPUT;
    const ctx = this.context;
    const timers = this.#timers;
    const scope = this.#scope;
    const used = (table: string): void => { this.#scopedTables.add(table); };
    for (const name of backend.stateNames()) if (name.startsWith(TRIGGER_STATE) || name.startsWith(WINDOW_STATE)) used(name);
    const windowState = windowStateStore(backend, WINDOW_STATE, scope, used);
    const globalState = keyStateStore(backend);
    this.#context = {
      window: GLOBAL_WINDOW,
      currentWatermark: () => timers.currentWatermark,
      currentProcessingTime: () => ctx.currentProcessingTime(),
      output: <X>(tag: OutputTag<X>, value: X) => { (this.sideOutputs.get(tag.id) ?? NO_OUTPUT).collect(value); },
      windowState: () => windowState,
      globalState: () => globalState,
    };
    // Written once more (see the constructor): #emit sets the window per firing.
    this.#context.window = new TimeWindow(0, 0);
    const composite = (): Key => [scope.key, scope.window.start, scope.window.end] as Key;
    this.#triggerContext = {
      currentWatermark: () => timers.currentWatermark,
      currentProcessingTime: () => ctx.currentProcessingTime(),
      registerEventTimeTimer: (t) => timers.registerEventTimeTimer(composite(), scope.keyGroup, t),
      registerProcessingTimeTimer: (t) => {
        timers.registerProcessingTimeTimer(composite(), scope.keyGroup, t);
        ctx.scheduleProcessingTime(t);
      },
      deleteEventTimeTimer: (t) => timers.deleteEventTimeTimer(composite(), scope.keyGroup, t),
      deleteProcessingTimeTimer: (t) => timers.deleteProcessingTimeTimer(composite(), scope.keyGroup, t),
      getPartitionedState: windowStateStore(backend, TRIGGER_STATE, scope, used),
      mergePartitionedState: <T>(d: ReducingStateDescriptor<T>) => {
        const merging = this.#merging;
        if (merging === undefined) {
          throw new WeirError(`window "${this.#operatorName}": mergePartitionedState is for a trigger's onMerge only`, { code: 'WEIR_TRIGGER_MERGE', fault: 'user' });
        }
        const state = this.#triggerContext.getPartitionedState.getReducingState(d);
        const target = scope.window;
        let acc: T | undefined;
        for (const m of merging) {
          scope.window = m;
          const v = state.get();
          if (v !== undefined) acc = acc === undefined ? v : d.reduce(acc, v);
        }
        scope.window = target;
        if (acc !== undefined) state.add(acc);
      },
    };
    this.#evictorContext = { currentWatermark: () => timers.currentWatermark, currentProcessingTime: () => ctx.currentProcessingTime() };
    const due = timers.nextProcessingTime();
    if (due !== undefined) ctx.scheduleProcessingTime(due);
    this.#watermarkState = ctx.operatorState.getUnionListState(new ListStateDescriptor<number>('_window-watermark'));
    if (this.#sessions !== undefined && this.#trigger === undefined && this.#lateness === 0) {
      this.#sessionLayout = ctx.operatorState.getUnionListState(new ListStateDescriptor<number>('_session-key-timers'));
      const marked = this.#sessionLayout.get().length > 0;
      this.#sessionKeyTimers = marked || timers.numEventTimeTimers() + timers.numProcessingTimeTimers() === 0;
    }
    let restored = Number.NEGATIVE_INFINITY;
    for (const w of this.#watermarkState.get()) if (w > restored) restored = w;
    this.#restoredWatermark = restored;
    this.#fast = this.#tables !== undefined && restored === Number.NEGATIVE_INFINITY;
    if (this.#spec.fn.process !== undefined) {
      this.#process = instantiate(this.#spec.fn.process);
      return openFunction(this.#process, ctx);
    }
  }

  #restoredWatermark = Number.NEGATIVE_INFINITY;
  /** Window tables and no restored watermark pending: processElement's own path. */
  #fast = false;
  /** Start of the tumbling window of the previous record (NaN before the first). */
  #lastStart = Number.NaN;

  /** After a restore: event time resumes at the checkpointed watermark (windows of other old subtasks due by then fire first). */
  #resume(): void {
    const w = this.#restoredWatermark;
    this.#restoredWatermark = Number.NEGATIVE_INFINITY;
    this.#fast = this.#tables !== undefined;
    if (this.#eventTime) {
      const backend = this.#backend;
      const key = backend.getCurrentKey();
      const keyGroup = backend.getCurrentKeyGroup();
      if (this.#tables !== undefined) {
        this.#timers.advanceWatermark(w, NO_TIMER);
        this.#watermark = this.#timers.currentWatermark;
        this.#advanceTables(this.#watermark);
      } else this.#timers.advanceWatermark(w, this.#timerCallback());
      if (key !== undefined) backend.setCurrentKey(key, keyGroup);
    }
  }

  /**
   * The per-record path of tumbling event-time windows on the default trigger, outside BATCH (once no restored
   * watermark is pending; anything else goes through #processOther): the one window, its start reused while
   * records fall into it (a NaN timestamp fails that test and is caught on the way to a new start), then the
   * window tables' add. The backend's current key is read only when the window fires late.
   */
  processElement(record: unknown): void {
    if (!this.#fast) {
      this.#processOther(record);
      return;
    }
    const time = this.#element.timestamp;
    const size = this.#size;
    let start = this.#lastStart;
    if (!(time >= start && time < start + size)) {
      if (Number.isNaN(time)) this.#noTimestamp(record);
      this.#lastStart = start = windowStart(time, this.#offset, size);
    }
    const end = start + size;
    const watermark = this.#watermark;
    if (end - 1 + this.#lateness <= watermark) {
      this.#lateRecord(record);
      return;
    }
    this.#tables!.add(end, record);
    if (end - 1 <= watermark) this.#fireNow(start, end);
  }

  // The fast path's rare branches, out of line: a smaller processElement leaves V8 room to inline the window state's add into it.

  #lateRecord(record: unknown): void {
    if (this.#late === NO_OUTPUT) this.droppedLate++;
    else this.#late.collect(record);
  }

  /**
   * A record for a window the watermark passed (within allowed lateness): the window fires again for the key at
   * once, with the updated contents (Flink's EventTimeTrigger.onElement: FIRE). The table counts as fired (a table
   * made just now, for a window that had no contents when the watermark passed it, is not fired again later).
   */
  #fireNow(start: number, end: number): void {
    const backend = this.#backend;
    const tables = this.#tables!;
    tables.table(end).fired = true;
    const acc = tables.get(end);
    if (acc !== undefined) this.#fireWith(backend.getCurrentKey() as Key, backend.getCurrentKeyGroup(), new TimeWindow(start, end), acc);
  }

  /**
   * Window tables, event time at `watermark`: every window whose end − 1 it reached and that has not fired
   * fires (windows in end order, each window's keys in arrival order), then every window whose end − 1 +
   * allowed lateness it reached goes (with its keys' (key, window)-scoped state).
   */
  #advanceTables(watermark: number): void {
    const tables = this.#tables!;
    const order = tables.order;
    for (let j = 0; j < order.length; j++) {
      const t = order[j]!;
      if (t.end - 1 > watermark) break;
      if (!t.fired) this.#fireTable(t);
    }
    const lateness = this.#lateness;
    while (order.length > 0 && order[0]!.end - 1 + lateness <= watermark) this.#cleanupTable(tables.dropFirst()!);
  }

  #fireTable(t: WindowTable): void {
    const backend = this.#backend;
    const first = backend.keyGroupRange.start;
    const w = new TimeWindow(t.end - this.#size, t.end);
    const due = t.due;
    t.fired = true;
    t.due = undefined;
    const keys = t.keys;
    const kgs = t.kgs;
    const n = keys.length;
    for (let i = 0; i < n; i++) {
      if (due !== undefined && due[i] !== true) continue;
      const key = keys[i]!;
      const keyGroup = first + kgs[i]!;
      backend.setCurrentKey(key, keyGroup);
      this.#fireWith(key, keyGroup, w, t.accs[i]);
    }
  }

  #cleanupTable(t: WindowTable): void {
    if (this.#scopedTables.size === 0) return;
    const first = this.#backend.keyGroupRange.start;
    const w = new TimeWindow(t.end - this.#size, t.end);
    for (let i = 0; i < t.keys.length; i++) this.#clearScoped(t.keys[i]!, first + t.kgs[i]!, w);
  }

  #processOther(record: unknown): void {
    if (this.#restoredWatermark !== Number.NEGATIVE_INFINITY) this.#resume();
    if (this.#fast) this.processElement(record);
    else this.#addGeneral(record);
  }

  #addGeneral(record: unknown): void {
    const backend = this.#backend;
    const key = backend.getCurrentKey() as Key;
    const keyGroup = backend.getCurrentKeyGroup();
    let time: number;
    if (this.#eventTime) {
      time = this.#element.timestamp;
      if (Number.isNaN(time)) this.#noTimestamp(record);
    } else {
      time = this.context.currentProcessingTime();
    }
    const watermark = this.#timers.currentWatermark;
    let assigned = false;
    const t = this.#tumbling;
    if (t !== undefined) {
      // Fast path: one window, no array; the last window's start is reused while records fall into it (no float %).
      let start = this.#lastStart;
      if (!(time >= start && time < start + t.size)) this.#lastStart = start = windowStart(time, t.offset, t.size);
      if (!this.#eventTime || start + t.size - 1 + this.#lateness > watermark) {
        this.#addTo(key, keyGroup, record, start, start + t.size, watermark);
        assigned = true;
      }
    } else if (this.#trigger !== undefined) {
      assigned = this.#addTriggered(key, keyGroup, record, time, watermark);
    } else {
      for (const w of assignWindows(this.#spec.assigner, time, record)) {
        if (this.#eventTime && w.maxTimestamp() + this.#lateness <= watermark) continue;
        if (this.#sessions !== undefined) this.#addToSession(key, keyGroup, record, w, watermark);
        else this.#addTo(key, keyGroup, record, w.start, w.end, watermark);
        assigned = true;
      }
    }
    if (!assigned) {
      if (this.#late === NO_OUTPUT) this.droppedLate++;
      else this.#late.collect(record);
    }
  }

  #noTimestamp(record: unknown): never {
    throw new WeirError(
      `event-time window "${this.#operatorName}": record ${describeValue(record)} has no timestamp; call assignTimestampsAndWatermarks(...) upstream, or use a processing-time window`,
      { code: 'WEIR_BAD_TIMESTAMP', fault: 'user' },
    );
  }

  #addTo(key: Key, keyGroup: number, record: unknown, start: number, end: number, watermark: number): void {
    if (this.#contents.add(end, record)) this.#registerTimers(key, keyGroup, start, end);
    // Event time: a window the watermark already passed (within allowed lateness) fires again now.
    if (this.#eventTime && end - 1 <= watermark) this.#fire(key, keyGroup, new TimeWindow(start, end));
  }

  #addToSession(key: Key, keyGroup: number, record: unknown, w: TimeWindow, watermark: number): void {
    const window = this.#merge(key, keyGroup, w, false);
    if (this.#contents.add(window.end, record)) this.#registerTimers(key, keyGroup, window.start, window.end);
    if (this.#eventTime && window.maxTimestamp() <= watermark) this.#fire(key, keyGroup, window);
  }

  /**
   * Merges `w` into the key's sessions: the contents of the windows it bridges move into the
   * covering window, their timers and scoped state go (the trigger's onMerge sets the new one up).
   */
  #merge(key: Key, keyGroup: number, w: TimeWindow, triggered: boolean): TimeWindow {
    const { window, merged } = this.#sessions!.add(w);
    if (merged.length === 0) return window;
    const contents = this.#contents;
    let acc: unknown;
    for (const m of merged) {
      acc = contents.merge(acc, contents.get(m.end));
      contents.clear(m.end);
      if (triggered) this.#deleteCleanupTimer(key, keyGroup, m);
      else this.#deleteTimers(key, keyGroup, m.start, m.end);
    }
    acc = contents.merge(acc, contents.get(window.end));
    if (acc !== undefined) contents.set(window.end, acc);
    if (triggered) {
      // onMerge first (it may merge the merged windows' trigger state: mergePartitionedState), then their state goes.
      this.#registerCleanupTimer(key, keyGroup, window);
      this.#setScope(key, keyGroup, window);
      this.#merging = merged;
      try {
        this.#trigger!.onMerge!(window, this.#triggerContext);
      } finally {
        this.#merging = undefined;
      }
      for (const m of merged) {
        this.#setScope(key, keyGroup, m);
        this.#trigger!.clear?.(m, this.#triggerContext);
      }
    } else {
      this.#registerTimers(key, keyGroup, window.start, window.end);
    }
    for (const m of merged) this.#clearScoped(key, keyGroup, m);
    return window;
  }

  /** The callback of the fast path's timers (default trigger). */
  #timerCallback(): (key: Key, keyGroup: number, time: number) => void {
    if (this.#trigger !== undefined) return this.#onEventTimer;
    if (this.#sessionKeyTimers) return this.#onSessionTimer;
    return this.#windowSize === undefined ? this.#onTimer : this.#onKeyTimer;
  }

  /**
   * The key a window's timers are registered under: the user key's own for windows of one size (the time
   * names the window, see #onKeyTimer) and for session key timers (#onSessionTimer), else [key, start, end].
   */
  #timerKey(key: Key, start: number, end: number): Key {
    return this.#windowSize !== undefined || this.#sessionKeyTimers ? key : ([key, start, end] as Key);
  }

  #registerTimers(key: Key, keyGroup: number, start: number, end: number): void {
    const fireAt = end - 1;
    const timerKey = this.#timerKey(key, start, end);
    if (this.#eventTime) {
      this.#timers.registerEventTimeTimer(timerKey, keyGroup, fireAt);
      if (this.#lateness > 0) this.#timers.registerEventTimeTimer(timerKey, keyGroup, fireAt + this.#lateness);
    } else {
      this.#timers.registerProcessingTimeTimer(timerKey, keyGroup, fireAt);
      this.context.scheduleProcessingTime(fireAt);
    }
  }

  #deleteTimers(key: Key, keyGroup: number, start: number, end: number): void {
    const fireAt = end - 1;
    const timerKey = this.#timerKey(key, start, end);
    if (this.#eventTime) {
      this.#timers.deleteEventTimeTimer(timerKey, keyGroup, fireAt);
      if (this.#lateness > 0) this.#timers.deleteEventTimeTimer(timerKey, keyGroup, fireAt + this.#lateness);
    } else {
      this.#timers.deleteProcessingTimeTimer(timerKey, keyGroup, fireAt);
    }
  }

  // ---- the general path: a Trigger object, an evictor, global windows ----

  /** When window `w`'s state goes: end − 1 + allowed lateness (event time), end − 1 (processing time), never (global). */
  #cleanupTime(w: TimeWindow): number {
    return w.maxTimestamp() + this.#lateness;
  }

  #registerCleanupTimer(key: Key, keyGroup: number, w: TimeWindow): void {
    const at = this.#cleanupTime(w);
    if (at === Number.POSITIVE_INFINITY) return;
    const composite = [key, w.start, w.end] as Key;
    if (this.#eventTime) {
      this.#timers.registerEventTimeTimer(composite, keyGroup, at);
    } else {
      this.#timers.registerProcessingTimeTimer(composite, keyGroup, at);
      this.context.scheduleProcessingTime(at);
    }
  }

  #deleteCleanupTimer(key: Key, keyGroup: number, w: TimeWindow): void {
    const at = this.#cleanupTime(w);
    if (at === Number.POSITIVE_INFINITY) return;
    const composite = [key, w.start, w.end] as Key;
    if (this.#eventTime) this.#timers.deleteEventTimeTimer(composite, keyGroup, at);
    else this.#timers.deleteProcessingTimeTimer(composite, keyGroup, at);
  }

  #setScope(key: Key, keyGroup: number, w: TimeWindow): void {
    const s = this.#scope;
    s.key = key;
    s.keyGroup = keyGroup;
    s.window = w;
  }

  /** Adds the record to its windows through the trigger; false when every window was past cleanup (late). */
  #addTriggered(key: Key, keyGroup: number, record: unknown, time: number, watermark: number): boolean {
    const trigger = this.#trigger!;
    const timestamp = this.context.element.timestamp;
    let assigned = false;
    for (const w0 of assignWindows(this.#spec.assigner, time, record)) {
      if (this.#eventTime && this.#cleanupTime(w0) <= watermark) continue;
      assigned = true;
      const w = this.#sessions === undefined ? w0 : this.#merge(key, keyGroup, w0, true);
      const value = this.#evictor === undefined ? record : ({ value: record, timestamp } satisfies TimestampedValue<unknown>);
      if (this.#contents.add(w.end, value)) this.#registerCleanupTimer(key, keyGroup, w);
      this.#setScope(key, keyGroup, w);
      this.#apply(trigger.onElement(record, timestamp, w, this.#triggerContext), key, keyGroup, w);
    }
    return assigned;
  }

  #apply(result: TriggerResult, key: Key, keyGroup: number, w: TimeWindow): void {
    if (result === 'CONTINUE') return;
    if (result === 'FIRE' || result === 'FIRE_AND_PURGE') {
      if (this.#evictor === undefined) this.#fire(key, keyGroup, w);
      else this.#fireEvicting(key, keyGroup, w);
    }
    if (result === 'PURGE' || result === 'FIRE_AND_PURGE') this.#contents.clear(w.end);
  }

  #onTriggerTimer(composite: Key, keyGroup: number, time: number, eventTime: boolean): void {
    const { key, start, end } = splitComposite(composite);
    const w = start === Number.NEGATIVE_INFINITY && end === Number.POSITIVE_INFINITY ? GLOBAL_WINDOW : new TimeWindow(start, end);
    this.#backend.setCurrentKey(key, keyGroup);
    if (this.#sessions !== undefined && !this.#sessions.contains(w)) return; // merged away meanwhile
    this.#setScope(key, keyGroup, w);
    const trigger = this.#trigger!;
    const ctx = this.#triggerContext;
    this.#apply(eventTime ? trigger.onEventTime(time, w, ctx) : trigger.onProcessingTime(time, w, ctx), key, keyGroup, w);
    if (eventTime === this.#eventTime && time === this.#cleanupTime(w)) {
      this.#contents.clear(w.end);
      this.#setScope(key, keyGroup, w);
      trigger.clear?.(w, ctx);
      this.#clearScoped(key, keyGroup, w);
      this.#sessions?.remove(w);
    }
  }

  #onEventTimer = (composite: Key, keyGroup: number, time: number): void => this.#onTriggerTimer(composite, keyGroup, time, true);
  #onProcessingTimer = (composite: Key, keyGroup: number, time: number): void => this.#onTriggerTimer(composite, keyGroup, time, false);

  /** Drops every (key, window)-scoped state entry of `w` (the trigger's, windowState()). */
  #clearScoped(key: Key, keyGroup: number, w: TimeWindow): void {
    if (this.#scopedTables.size === 0) return;
    const backend = this.#backend;
    backend.setCurrentKey([key, w.start, w.end] as Key, keyGroup);
    for (const name of this.#scopedTables) backend.clearCurrentKey(name);
    backend.setCurrentKey(key, keyGroup);
  }

  // ---- firing ----

  #emit(key: Key, keyGroup: number, window: TimeWindow, elements: Iterable<unknown>, result: () => unknown, empty: boolean): void {
    const element = this.context.element;
    const saved = element.timestamp;
    element.timestamp = window.maxTimestamp();
    if (this.#process === undefined) {
      if (!empty) this.output.collect(result());
    } else {
      this.#context.window = window;
      this.#setScope(key, keyGroup, window);
      this.#process.process(key, this.#context, elements, this.output as Collector<unknown>);
    }
    element.timestamp = saved;
  }

  /** Emits the window's result (the backend's current key is `key`). */
  #fire(key: Key, keyGroup: number, window: TimeWindow): void {
    const acc = this.#contents.get(window.end);
    if (acc !== undefined) this.#fireWith(key, keyGroup, window, acc);
  }

  /** Emits the result of the window's accumulator `acc`. */
  #fireWith(key: Key, keyGroup: number, window: TimeWindow, acc: unknown): void {
    const a = this.#accumulation;
    if (this.#process === undefined) this.#emit(key, keyGroup, window, [], () => a.result(acc), false);
    else this.#emit(key, keyGroup, window, a.elements(acc), () => undefined, false);
  }

  /** Evicts, applies the window function to the remaining elements, evicts again, keeps what is left. */
  #fireEvicting(key: Key, keyGroup: number, window: TimeWindow): void {
    const stored = this.#contents.get(window.end) as TimestampedValue<unknown>[] | undefined;
    if (stored === undefined) return;
    const els = stored.slice();
    const evictor = this.#evictor!;
    evictor.evictBefore?.(els, window, this.#evictorContext);
    const values = els.map((e) => e.value);
    const fn = this.#spec.fn;
    let elements: unknown[];
    if (fn.kind === 'reduce') {
      elements = values.length === 0 ? [] : [values.reduce((x, y) => fn.reduce(x, y))];
    } else if (fn.kind === 'aggregate') {
      let acc = fn.aggregate.createAccumulator();
      for (const v of values) acc = fn.aggregate.add(v, acc);
      elements = [fn.aggregate.getResult(acc)];
    } else {
      elements = values;
    }
    this.#emit(key, keyGroup, window, elements, () => elements[0], elements.length === 0);
    evictor.evictAfter?.(els, window, this.#evictorContext);
    if (els.length === 0) this.#contents.clear(window.end);
    else this.#contents.set(window.end, els);
  }

  /**
   * A timer of the one-size path: `key` is the user key, and time t fires the window ending at t + 1 and
   * cleans up the one ending at t + 1 − allowedLateness (both, when two windows share the time: the
   * timer service keeps one (key, time) timer). A window without contents does nothing.
   */
  #onKeyTimer = (key: Key, keyGroup: number, time: number): void => {
    const size = this.#windowSize!;
    const contents = this.#contents;
    this.#backend.setCurrentKey(key, keyGroup);
    const end = time + 1;
    if (this.#lateness === 0) {
      // Fire and cleanup are the same time: the contents leave in one walk of the key's windows (take), then fire.
      const acc = this.#windowState.take(end);
      if (acc === undefined) return;
      const w = new TimeWindow(end - size, end);
      this.#fireWith(key, keyGroup, w, acc);
      this.#clearScoped(key, keyGroup, w);
      return;
    }
    if (contents.get(end) !== undefined) this.#fire(key, keyGroup, new TimeWindow(end - size, end));
    const cleanEnd = end - this.#lateness;
    if (contents.get(cleanEnd) !== undefined) {
      contents.clear(cleanEnd);
      this.#clearScoped(key, keyGroup, new TimeWindow(cleanEnd - size, cleanEnd));
    }
  };

  /** A session's key timer: time t fires and cleans up the key's session ending at t + 1 (gone when merged away meanwhile). */
  #onSessionTimer = (key: Key, keyGroup: number, time: number): void => {
    this.#backend.setCurrentKey(key, keyGroup);
    const window = this.#sessions!.endingAt(time + 1);
    if (window === undefined) return;
    this.#fire(key, keyGroup, window);
    this.#contents.clear(window.end);
    this.#clearScoped(key, keyGroup, window);
    this.#sessions!.remove(window);
  };

  #onTimer = (composite: Key, keyGroup: number, time: number): void => {
    const { key, start, end } = splitComposite(composite);
    const window = new TimeWindow(start, end);
    this.#backend.setCurrentKey(key, keyGroup);
    if (time === window.maxTimestamp()) this.#fire(key, keyGroup, window);
    if (time === window.maxTimestamp() + this.#lateness) {
      this.#contents.clear(window.end);
      this.#clearScoped(key, keyGroup, window);
      this.#sessions?.remove(window);
    }
  };

  override snapshotState(): void {
    const w = Math.max(this.#timers.currentWatermark, this.#restoredWatermark);
    this.#watermarkState.update(w === Number.NEGATIVE_INFINITY ? [] : [w]);
    if (this.#sessionKeyTimers) this.#sessionLayout.update([1]);
  }

  override processWatermark(timestamp: number): void {
    if (this.#restoredWatermark !== Number.NEGATIVE_INFINITY) this.#resume();
    if (this.#tables !== undefined) {
      this.#timers.advanceWatermark(timestamp, NO_TIMER);
      this.#watermark = this.#timers.currentWatermark;
      this.#advanceTables(this.#watermark);
    } else if (this.#trigger !== undefined) this.#timers.advanceWatermark(timestamp, this.#onEventTimer);
    else if (this.#eventTime) this.#timers.advanceWatermark(timestamp, this.#timerCallback());
    else this.#timers.advanceWatermark(timestamp, () => {});
    this.output.emitWatermark(timestamp);
  }

  override onProcessingTime(now: number): void {
    if (this.#trigger !== undefined) this.#timers.fireProcessingTimers(now, this.#onProcessingTimer);
    else if (this.#eventTime) return;
    else this.#timers.fireProcessingTimers(now, this.#timerCallback());
    const next = this.#timers.nextProcessingTime();
    if (next !== undefined) this.context.scheduleProcessingTime(next);
  }

  override close(): void | Promise<void> {
    return this.#process === undefined ? undefined : closeFunction(this.#process);
  }
}
