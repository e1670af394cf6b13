// The keyed window operator: assigns records to windows, keeps one accumulator per (key, window), fires on time, handles lateness.
//
// What fires when (the default triggers of Flink, event time and processing time):
// - a window [start, end) fires when the watermark (or the processing-time clock) reaches
//   end − 1, through a timer of the keyed timer service (checkpointed with the state);
// - event time: its contents are kept until end − 1 + allowedLateness (the cleanup timer);
//   a record for it that arrives meanwhile updates the contents and fires it again at once
//   (a late firing with the updated result);
// - a record whose every window is past cleanup is late: it goes to the late-data side
//   output if one is set, else it is dropped;
// - emitted results carry the window's end − 1 as their timestamp.
// State is namespaced by window (window-contents.ts); timers are keyed [userKey, start, end] in userKey's key group.
// The operator's watermark is checkpointed too (union state; a restore starts from the highest):
// a source restarts its watermark from nothing, and without this floor a record for a window
// that fired before the checkpoint would open that window again after a restore.

import { WeirError, describeValue } from '../../../core/errors.ts';
import type { Collector, Key } from '../../../core/types.ts';
import { instantiate } from '../../../api/transformation.ts';
import { TimeWindow, windowStart } from '../../../api/windows/time-window.ts';
import type { ProcessWindowContext, ProcessWindowFunction } from '../../../api/windows/window-functions.ts';
import type { WindowSpec } from '../../../api/windows/window-spec.ts';
import type { OutputTag } from '../../../api/output-tag.ts';
import { ListStateDescriptor, type HeapKeyedStateBackend, type InternalTimerService, type ListState } from '../../../state/index.ts';
import { StreamOperator, type Output } from '../../operator.ts';
import { NO_OUTPUT } from '../../output.ts';
import { closeFunction, openFunction } from '../runtime-context.ts';
import { assignWindows } from './assigners.ts';
import { MergingWindowSet } from './merging-window-set.ts';
import { WindowContents, accumulationOf, splitComposite, type Accumulation } from './window-contents.ts';

export class WindowOperator extends StreamOperator {
  readonly #spec: WindowSpec;
  readonly #operatorName: string;
  readonly #eventTime: boolean;
  readonly #lateness: number;
  readonly #accumulation: Accumulation;
  readonly #tumbling: { size: number; offset: number } | undefined;
  #process: ProcessWindowFunction<unknown, unknown, Key> | undefined;
  #backend!: HeapKeyedStateBackend;
  #timers!: InternalTimerService;
  #contents!: WindowContents;
  #sessions: MergingWindowSet | undefined;
  #late: Output = NO_OUTPUT;
  #context!: ProcessWindowContext & { window: TimeWindow };
  #watermarkState!: ListState<number>;
  /** Records dropped as late (no late-data tag). */
  droppedLate = 0;

  constructor(spec: WindowSpec, operatorName: string) {
    super();
    this.#spec = spec;
    this.#operatorName = operatorName;
    this.#eventTime = spec.assigner.time === 'event-time';
    this.#lateness = this.#eventTime ? spec.allowedLateness : 0;
    this.#accumulation = accumulationOf(spec.fn);
    const a = spec.assigner;
    this.#tumbling = a.kind === 'tumbling' ? { size: a.size, offset: a.offset } : undefined;
  }

  override open(): void | Promise<void> {
    this.#backend = this.context.keyedBackend!;
    this.#timers = this.context.timers!;
    this.#contents = new WindowContents(this.#backend, this.#accumulation.agg);
    if (this.#spec.assigner.kind === 'session') this.#sessions = new MergingWindowSet(this.#backend);
    if (this.#spec.lateDataTag !== undefined) this.#late = this.sideOutputs.get(this.#spec.lateDataTag) ?? NO_OUTPUT;
    const ctx = this.context;
    const timers = this.#timers;
    this.#context = {
      window: new TimeWindow(0, 0),
      currentWatermark: () => timers.currentWatermark,
      currentProcessingTime: () => ctx.currentProcessingTime(),
      output: <X>(tag: OutputTag<X>, value: X) => { (this.sideOutputs.get(tag.id) ?? NO_OUTPUT).collect(value); },
    };
    const due = timers.nextProcessingTime();
    if (due !== undefined) ctx.scheduleProcessingTime(due);
    this.#watermarkState = ctx.operatorState.getUnionListState(new ListStateDescriptor<number>('_window-watermark'));
    let restored = Number.NEGATIVE_INFINITY;
    for (const w of this.#watermarkState.get()) if (w > restored) restored = w;
    this.#restoredWatermark = restored;
    if (this.#spec.fn.process !== undefined) {
      this.#process = instantiate(this.#spec.fn.process);
      return openFunction(this.#process, ctx);
    }
  }

  #restoredWatermark = Number.NEGATIVE_INFINITY;
  /** Start of the tumbling window of the previous record (NaN before the first). */
  #lastStart = Number.NaN;

  /** After a restore: event time resumes at the checkpointed watermark (windows of other old subtasks due by then fire first). */
  #resume(): void {
    const w = this.#restoredWatermark;
    this.#restoredWatermark = Number.NEGATIVE_INFINITY;
    if (this.#eventTime) {
      const backend = this.#backend;
      const key = backend.getCurrentKey();
      const keyGroup = backend.getCurrentKeyGroup();
      this.#timers.advanceWatermark(w, this.#onTimer);
      if (key !== undefined) backend.setCurrentKey(key, keyGroup);
    }
  }

  processElement(record: unknown): void {
    if (this.#restoredWatermark !== Number.NEGATIVE_INFINITY) this.#resume();
    const backend = this.#backend;
    const key = backend.getCurrentKey() as Key;
    const keyGroup = backend.getCurrentKeyGroup();
    let time: number;
    if (this.#eventTime) {
      time = this.context.element.timestamp;
      if (Number.isNaN(time)) {
        throw new WeirError(
          `event-time window "${this.#operatorName}": record ${describeValue(record)} has no timestamp; call assignTimestampsAndWatermarks(...) upstream, or use a processing-time window`,
          { code: 'WEIR_BAD_TIMESTAMP', fault: 'user' },
        );
      }
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
    } else {
      for (const w of assignWindows(this.#spec.assigner, time)) {
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

  #addTo(key: Key, keyGroup: number, record: unknown, start: number, end: number, watermark: number): void {
    if (this.#contents.add(end, record)) this.#registerTimers(key, keyGroup, start, end);
    // Event time: a window the watermark already passed (within allowed lateness) fires again now.
    if (this.#eventTime && end - 1 <= watermark) this.#fire(key, new TimeWindow(start, end));
  }

  #addToSession(key: Key, keyGroup: number, record: unknown, w: TimeWindow, watermark: number): void {
    const sessions = this.#sessions!;
    const { window, merged } = sessions.add(w);
    const contents = this.#contents;
    if (merged.length > 0) {
      let acc: unknown;
      for (const m of merged) {
        acc = contents.merge(acc, contents.get(m.end));
        contents.clear(m.end);
        this.#deleteTimers(key, keyGroup, m.start, m.end);
      }
      acc = contents.merge(acc, contents.get(window.end));
      if (acc !== undefined) contents.set(window.end, acc);
      this.#registerTimers(key, keyGroup, window.start, window.end);
      contents.add(window.end, record);
    } else if (contents.add(window.end, record)) {
      this.#registerTimers(key, keyGroup, window.start, window.end);
    }
    if (this.#eventTime && window.maxTimestamp() <= watermark) this.#fire(key, window);
  }

  #registerTimers(key: Key, keyGroup: number, start: number, end: number): void {
    const composite = [key, start, end] as Key;
    const fireAt = end - 1;
    if (this.#eventTime) {
      this.#timers.registerEventTimeTimer(composite, keyGroup, fireAt);
      if (this.#lateness > 0) this.#timers.registerEventTimeTimer(composite, keyGroup, fireAt + this.#lateness);
    } else {
      this.#timers.registerProcessingTimeTimer(composite, keyGroup, fireAt);
      this.context.scheduleProcessingTime(fireAt);
    }
  }

  #deleteTimers(key: Key, keyGroup: number, start: number, end: number): void {
    const composite = [key, start, end] as Key;
    const fireAt = end - 1;
    if (this.#eventTime) {
      this.#timers.deleteEventTimeTimer(composite, keyGroup, fireAt);
      if (this.#lateness > 0) this.#timers.deleteEventTimeTimer(composite, keyGroup, fireAt + this.#lateness);
    } else {
      this.#timers.deleteProcessingTimeTimer(composite, keyGroup, fireAt);
    }
  }

  /** Emits the window's result (the backend's current key is `key`). */
  #fire(key: Key, window: TimeWindow): void {
    const acc = this.#contents.get(window.end);
    if (acc === undefined) return;
    const element = this.context.element;
    const saved = element.timestamp;
    element.timestamp = window.maxTimestamp();
    const a = this.#accumulation;
    if (this.#process === undefined) {
      this.output.collect(a.result(acc));
    } else {
      this.#context.window = window;
      this.#process.process(key, this.#context, a.elements(acc), this.output as Collector<unknown>);
    }
    element.timestamp = saved;
  }

  #onTimer = (composite: Key, keyGroup: number, time: number): void => {
    const { key, start, end } = splitComposite(composite);
    const window = new TimeWindow(start, end);
    this.#backend.setCurrentKey(key, keyGroup);
    if (time === window.maxTimestamp()) this.#fire(key, window);
    if (time === window.maxTimestamp() + this.#lateness) {
      this.#contents.clear(window.end);
      this.#sessions?.remove(window);
    }
  };

  override snapshotState(): void {
    const w = Math.max(this.#timers.currentWatermark, this.#restoredWatermark);
    this.#watermarkState.update(w === Number.NEGATIVE_INFINITY ? [] : [w]);
  }

  override processWatermark(timestamp: number): void {
    if (this.#restoredWatermark !== Number.NEGATIVE_INFINITY) this.#resume();
    if (this.#eventTime) this.#timers.advanceWatermark(timestamp, this.#onTimer);
    else this.#timers.advanceWatermark(timestamp, () => {});
    this.output.emitWatermark(timestamp);
  }

  override onProcessingTime(now: number): void {
    if (this.#eventTime) return;
    this.#timers.fireProcessingTimers(now, this.#onTimer);
    const next = this.#timers.nextProcessingTime();
    if (next !== undefined) this.context.scheduleProcessingTime(next);
  }

  override close(): void | Promise<void> {
    return this.#process === undefined ? undefined : closeFunction(this.#process);
  }
}
