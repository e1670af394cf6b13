// A test harness that drives one operator directly — records, watermarks, timers, snapshot and restore — with no task, thread or channel.

import { deserialize, serialize } from 'node:v8';
import { ConfigError, WeirError, describeValue } from '../core/errors.ts';
import type { Key } from '../core/types.ts';
import { checkKnownKeys, checkPositiveInt, DEFAULT_MAX_PARALLELISM } from '../api/config.ts';
import type { OperatorSpec } from '../api/transformation.ts';
import type { OperatorContext, Output, StreamOperator } from '../runtime/operator.ts';
import { attribute, type OperatorInfo } from '../runtime/operator-error.ts';
import { createOperator } from '../runtime/operators/create-operator.ts';
import {
  HeapKeyedStateBackend, InternalTimerService, KeyGroupRange, OperatorStateBackend, keyGroupFor,
  operatorIndexForKeyGroup, redistributeOperatorState, type OperatorStateSnapshot,
} from '../state/index.ts';
import { defaultOperatorName, type TypedOperatorSpec } from './specs.ts';

/**
 * What one operator of one subtask contributes to a checkpoint: the same two parts a task
 * acks (`OperatorSnapshotData` in runtime/protocol.ts), so a test sees what a restore sees.
 */
export interface HarnessSnapshot {
  /** Keyed state blob (operators on a keyed stream only). */
  readonly keyed: Uint8Array | undefined;
  /** Timers blob (operators on a keyed stream only). */
  readonly timers: Uint8Array | undefined;
  readonly operator: OperatorStateSnapshot;
}

export interface OperatorHarnessOptions<IN> {
  /** Makes the operator keyed: each record's key (and key group) is set before processElement. Required for reduce, aggregations and keyed process functions. */
  readonly keySelector?: (record: IN) => Key;
  /** Parallelism of the simulated operator (default 1). */
  readonly parallelism?: number;
  /** Which subtask this harness is (default 0); with a keySelector it owns that subtask's key groups only. */
  readonly subtaskIndex?: number;
  /** Default 128, as a job's. */
  readonly maxParallelism?: number;
  /** Operator name used in errors and the RuntimeContext (default derived from the spec's kind). */
  readonly name?: string;
  /** Operator uid (default: the name). */
  readonly uid?: string;
  /** What `context.checkpointing` says (sinks commit at end of input when false). Default false, as a job without checkpointing. */
  readonly checkpointing?: boolean;
  readonly jobArgs?: readonly string[];
  /** Periodic watermark interval (ms) timestamp assigners see (default 200, as a job's; 0 = off). */
  readonly autoWatermarkInterval?: number;
  /** Processing time at start (default 0): the harness owns the processing-time clock. */
  readonly processingTime?: number;
  /**
   * Snapshot(s) of all subtasks of a previous run to restore at open(): keyed state is kept
   * for this subtask's key groups, operator state is redistributed over `parallelism` as on
   * a real restore.
   */
  readonly restore?: HarnessSnapshot | readonly HarnessSnapshot[];
}

const OPTION_KEYS = [
  'keySelector', 'parallelism', 'subtaskIndex', 'maxParallelism', 'name', 'uid', 'checkpointing', 'jobArgs', 'processingTime', 'restore',
  'autoWatermarkInterval',
] as const;

/** Specs that only exist on a keyed stream. */
const KEYED_KINDS = new Set<OperatorSpec['kind']>(['reduce', 'aggregate', 'keyedProcess', 'window']);

/** Bounds the rounds of advanceProcessingTime, so a timer that keeps re-arming itself in the past fails instead of spinning. */
const MAX_TIMER_ROUNDS = 10_000;

type Phase = 'created' | 'open' | 'finished' | 'closed';

/**
 * Drives one operator as a task would (same context, same key-group handling, same error
 * attribution, same snapshot data), but synchronously, from the test. Calls follow the
 * operator contract: open → processElement/processWatermark/advanceProcessingTime* →
 * snapshot/notifyCheckpointComplete → finish → close.
 */
export class OneInputOperatorHarness<IN = unknown, OUT = unknown> {
  /** Records the operator emitted, in order. */
  readonly output: OUT[] = [];
  /** Timestamps of the emitted records (NaN = none), parallel to `output`. */
  readonly outputTimestamps: number[] = [];
  /** Watermarks the operator emitted, in order. */
  readonly watermarks: number[] = [];
  /** Watermark statuses the operator emitted (true = idle), in order. */
  readonly watermarkStatuses: boolean[] = [];
  /** Records emitted to side outputs, by OutputTag id. */
  readonly sideOutput: Map<string, unknown[]> = new Map();
  /** Records handed over by a collect sink (`reportCollected`). */
  readonly collected: unknown[] = [];
  /** Text written by print sinks, per stream. */
  readonly text: { stdout: string; stderr: string } = { stdout: '', stderr: '' };
  readonly operator: StreamOperator<IN, OUT>;
  /** Present when the harness has a keySelector: read state with `withKey`. */
  readonly keyedBackend: HeapKeyedStateBackend | undefined;
  readonly timerService: InternalTimerService | undefined;
  readonly operatorState: OperatorStateBackend;
  readonly #info: OperatorInfo;
  readonly #keySelector: ((record: IN) => Key) | undefined;
  readonly #range: KeyGroupRange;
  readonly #maxParallelism: number;
  readonly #restore: readonly HarnessSnapshot[];
  #phase: Phase = 'created';
  #processingTime: number;
  #scheduled: number[] = [];
  readonly #mailbox: (() => void)[] = [];
  readonly #element = { timestamp: Number.NaN };

  private constructor(operator: StreamOperator<IN, OUT>, options: OperatorHarnessOptions<IN> | undefined, defaultName: string) {
    checkKnownKeys('OperatorHarness', options, OPTION_KEYS);
    const o = options ?? {};
    const parallelism = checkPositiveInt('harness parallelism', o.parallelism ?? 1);
    const maxParallelism = checkPositiveInt('harness maxParallelism', o.maxParallelism ?? DEFAULT_MAX_PARALLELISM);
    const subtaskIndex = o.subtaskIndex ?? 0;
    if (!Number.isInteger(subtaskIndex) || subtaskIndex < 0 || subtaskIndex >= parallelism) {
      throw new ConfigError(`harness subtaskIndex must be an integer in [0, ${parallelism}), got ${String(subtaskIndex)}`);
    }
    if (o.keySelector !== undefined && typeof o.keySelector !== 'function') throw new ConfigError('harness keySelector must be a function (record) => key');
    const name = o.name ?? defaultName;
    const uid = o.uid ?? name;
    this.#range = KeyGroupRange.forOperator(maxParallelism, parallelism, subtaskIndex);
    this.#maxParallelism = maxParallelism;
    this.#keySelector = o.keySelector;
    this.#processingTime = o.processingTime ?? 0;
    this.#restore = o.restore === undefined ? [] : Array.isArray(o.restore) ? o.restore : [o.restore as HarnessSnapshot];
    this.#info = { name, uid, subtaskIndex, parallelism };
    this.operator = operator;
    const keyed = o.keySelector !== undefined;
    this.keyedBackend = keyed ? new HeapKeyedStateBackend({ maxParallelism, keyGroupRange: this.#range }) : undefined;
    this.timerService = keyed ? new InternalTimerService({ maxParallelism, keyGroupRange: this.#range }) : undefined;
    this.operatorState = new OperatorStateBackend();
    const context: OperatorContext = {
      operatorName: name, uid, subtaskIndex, parallelism, maxParallelism,
      jobArgs: o.jobArgs ?? [], checkpointing: o.checkpointing ?? false, batch: false, restored: this.#restore.length > 0,
      keyedBackend: this.keyedBackend, timers: this.timerService, operatorState: this.operatorState,
      element: this.#element, autoWatermarkInterval: o.autoWatermarkInterval ?? 200,
      currentProcessingTime: () => this.#processingTime,
      scheduleProcessingTime: (time) => { this.#scheduled.push(time); },
      enqueue: (action) => { this.#mailbox.push(action); },
      reportSourceWatermark: () => {},
      reportCollected: (records) => { for (const r of records) this.collected.push(r); },
      writeText: (stream, text) => { this.text[stream] += text; },
    };
    const element = this.#element;
    const output: Output<OUT> = {
      collect: (record) => { this.output.push(record); this.outputTimestamps.push(element.timestamp); },
      emitWatermark: (timestamp) => { this.watermarks.push(timestamp); },
      emitWatermarkStatus: (idle) => { this.watermarkStatuses.push(idle); },
    };
    const sides = this.sideOutput;
    // Every tag the operator asks for gets an output that records into `sideOutput`.
    class SideOutputs extends Map<string, Output> {
      override get(tag: string): Output {
        let o = super.get(tag);
        if (o === undefined) {
          const list: unknown[] = [];
          sides.set(tag, list);
          o = { collect: (r) => { list.push(r); }, emitWatermark() {}, emitWatermarkStatus() {} };
          this.set(tag, o);
        }
        return o;
      }
    }
    operator.context = context;
    operator.output = output;
    operator.sideOutputs = new SideOutputs();
  }

  /** A harness for the operator the runtime builds for `spec` (use the helpers of `./specs.ts` or a literal). */
  static forSpec<IN = unknown, OUT = unknown>(spec: TypedOperatorSpec<IN, OUT>, options?: OperatorHarnessOptions<IN>): OneInputOperatorHarness<IN, OUT> {
    const name = options?.name ?? defaultOperatorName(spec);
    if (spec.kind === 'source') {
      throw new ConfigError(`"${name}": a source operator has no input to drive; test its SourceReader directly`);
    }
    if (KEYED_KINDS.has(spec.kind) && options?.keySelector === undefined) {
      throw new ConfigError(`"${name}": a ${spec.kind} operator runs on a keyed stream; give the harness a keySelector`);
    }
    const operator = createOperator(spec, name) as StreamOperator<IN, OUT>;
    return new OneInputOperatorHarness<IN, OUT>(operator, options, name);
  }

  /** A harness for an operator instance (a custom StreamOperator); it must not have been opened. */
  static forOperator<IN = unknown, OUT = unknown>(operator: StreamOperator<IN, OUT>, options?: OperatorHarnessOptions<IN>): OneInputOperatorHarness<IN, OUT> {
    return new OneInputOperatorHarness<IN, OUT>(operator, options, operator.constructor.name || 'Operator');
  }

  /** Restores the given snapshot(s), if any, then opens the operator. */
  async open(): Promise<void> {
    this.#expect('created', 'open()');
    if (this.#restore.length > 0) {
      const blobs = this.#restore.map((s) => s.keyed).filter((b): b is Uint8Array => b !== undefined);
      if (blobs.length > 0) {
        if (!this.keyedBackend) throw new ConfigError(`"${this.#info.name}": the restored snapshot holds keyed state but the harness has no keySelector`);
        this.keyedBackend.restore(blobs);
      }
      const timerBlobs = this.#restore.map((s) => s.timers).filter((b): b is Uint8Array => b !== undefined);
      if (timerBlobs.length > 0) this.timerService?.restore(timerBlobs);
      const shares = redistributeOperatorState(this.#restore.map((s) => s.operator), this.#info.parallelism);
      this.operatorState.restore(shares[this.#info.subtaskIndex]!);
    }
    try {
      await this.operator.open();
    } catch (e) {
      throw attribute(e, this.#info, undefined, 'open()');
    }
    this.#phase = 'open';
  }

  /**
   * One record, synchronously; on a keyed harness the record's key and key group become
   * current first. `timestamp` is its event time (default: none).
   */
  processElement(record: IN, timestamp = Number.NaN): void {
    this.#expect('open', 'processElement()');
    this.#element.timestamp = timestamp;
    try {
      if (this.#keySelector) {
        const key = this.#keySelector(record);
        this.keyedBackend!.setCurrentKey(key, this.#keyGroupOf(key, record));
      }
      this.operator.processElement(record);
    } catch (e) {
      throw attribute(e, this.#info, { value: record });
    }
  }

  processElements(records: Iterable<IN>, timestampOf?: (record: IN) => number): void {
    for (const r of records) this.processElement(r, timestampOf ? timestampOf(r) : Number.NaN);
  }

  /** A watermark status change (idle or active) from upstream. */
  processWatermarkStatus(idle: boolean): void {
    this.#expect('open', 'processWatermarkStatus()');
    this.operator.processWatermarkStatus(idle);
  }

  /** A watermark, as the task passes the minimum over its inputs to the head operator. */
  processWatermark(timestamp: number): void {
    this.#expect('open', 'processWatermark()');
    try {
      this.operator.processWatermark(timestamp);
    } catch (e) {
      throw attribute(e, this.#info, undefined, `processWatermark(${timestamp})`);
    }
  }

  /**
   * Moves the harness's processing-time clock to `now` and calls `onProcessingTime(now)`
   * while callbacks requested through `context.scheduleProcessingTime` are due.
   */
  advanceProcessingTime(now: number): void {
    this.#expect('open', 'advanceProcessingTime()');
    if (!(now >= this.#processingTime)) {
      throw new WeirError(`processing time cannot go back from ${this.#processingTime} to ${now}`, { code: 'WEIR_HARNESS', fault: 'user' });
    }
    this.#processingTime = now;
    for (let round = 0; this.#scheduled.some((t) => t <= now); round++) {
      if (round >= MAX_TIMER_ROUNDS) {
        throw new WeirError(`"${this.#info.name}": processing-time callbacks keep scheduling themselves at or before ${now}`, { code: 'WEIR_HARNESS', fault: 'user' });
      }
      this.#scheduled = this.#scheduled.filter((t) => t > now);
      try {
        this.operator.onProcessingTime(now);
      } catch (e) {
        throw attribute(e, this.#info, undefined, 'a processing-time timer');
      }
    }
  }

  /** Mailbox actions the operator queued (`context.enqueue`) and the harness has not run yet. */
  get mailboxSize(): number {
    return this.#mailbox.length;
  }

  /** Whether the operator refuses input now (`inputBlocked()`, async I/O at capacity): a task would not pull the next buffer. */
  get inputBlocked(): boolean {
    return this.operator.inputBlocked?.() ?? false;
  }

  /** Runs the queued mailbox actions (and those they queue), as the task does between buffers; returns how many ran. */
  runMailbox(): number {
    let n = 0;
    while (this.#mailbox.length > 0) {
      const action = this.#mailbox.shift()!;
      n++;
      try {
        action();
      } catch (e) {
        throw attribute(e, this.#info, undefined, 'a mailbox action');
      }
    }
    return n;
  }

  /**
   * Lets pending promise callbacks run (one macrotask turn), then runs the mailbox; repeats
   * until a turn queues nothing. What a test awaits after resolving an async request.
   */
  async settle(): Promise<void> {
    for (let round = 0; round < MAX_TIMER_ROUNDS; round++) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (this.#mailbox.length === 0) return;
      this.runMailbox();
    }
  }

  get processingTime(): number {
    return this.#processingTime;
  }

  /** Times requested through `context.scheduleProcessingTime` that have not fired yet, ascending. */
  get scheduledProcessingTimes(): readonly number[] {
    return [...this.#scheduled].sort((a, b) => a - b);
  }

  /**
   * Checkpoint `checkpointId` as a task takes it: flush, snapshotState, then keyed state
   * (written to its blob) and operator state (deep-copied, as storage would).
   */
  async snapshot(checkpointId: number): Promise<HarnessSnapshot> {
    this.#expect('open', 'snapshot()');
    try {
      this.operator.flush();
      await this.operator.snapshotState(checkpointId);
    } catch (e) {
      throw attribute(e, this.#info, undefined, `snapshotState(${checkpointId})`);
    }
    const view = this.keyedBackend?.snapshot();
    const keyed = view?.write();
    view?.release();
    const timerView = this.timerService?.snapshot();
    const timers = timerView?.write();
    timerView?.release();
    let operator: OperatorStateSnapshot;
    try {
      operator = deserialize(serialize(this.operatorState.snapshot())) as OperatorStateSnapshot;
    } catch (e) {
      throw attribute(e, this.#info, undefined, `the snapshot of its operator state (items must be structured-cloneable) for checkpoint ${checkpointId}`);
    }
    return { keyed, timers, operator };
  }

  async notifyCheckpointComplete(checkpointId: number): Promise<void> {
    this.#expect('open', 'notifyCheckpointComplete()');
    try {
      await this.operator.notifyCheckpointComplete(checkpointId);
    } catch (e) {
      throw attribute(e, this.#info, undefined, `notifyCheckpointComplete(${checkpointId})`);
    }
  }

  /**
   * End of input: finish() then flush(). It does not emit a final watermark; call
   * `processWatermark(Infinity)` first to fire the remaining event-time timers, as the end of a bounded source does.
   */
  async finish(): Promise<void> {
    this.#expect('open', 'finish()');
    try {
      await this.operator.finish();
      this.operator.flush();
    } catch (e) {
      throw attribute(e, this.#info, undefined, 'finish()');
    }
    this.#phase = 'finished';
  }

  async close(): Promise<void> {
    if (this.#phase === 'closed') return;
    this.#phase = 'closed';
    try {
      await this.operator.close();
    } catch (e) {
      throw attribute(e, this.#info, undefined, 'close()');
    }
  }

  /** Returns the records emitted so far and clears `output`. */
  takeOutput(): OUT[] {
    this.outputTimestamps.length = 0;
    return this.output.splice(0, this.output.length);
  }

  /** Runs `fn` with `key` as the keyed backend's current key (to read or seed state in a test). */
  withKey<R>(key: Key, fn: (backend: HeapKeyedStateBackend) => R): R {
    if (!this.keyedBackend) throw new ConfigError(`"${this.#info.name}": withKey() needs a harness with a keySelector`);
    this.keyedBackend.setCurrentKey(key, this.#keyGroupOf(key, key));
    return fn(this.keyedBackend);
  }

  #keyGroupOf(key: Key, record: unknown): number {
    const kg = keyGroupFor(key, this.#maxParallelism);
    if (!this.#range.contains(kg)) {
      const owner = operatorIndexForKeyGroup(this.#maxParallelism, this.#info.parallelism, kg);
      throw new WeirError(
        `key ${describeValue(key)} of record ${describeValue(record)} is in key group ${kg}, which subtask ${owner} owns, not this harness's subtask ${this.#info.subtaskIndex} (${this.#range.toString()})`,
        { code: 'WEIR_HARNESS_KEY_GROUP', fault: 'user' },
      );
    }
    return kg;
  }

  #expect(phase: Phase, call: string): void {
    if (this.#phase !== phase) {
      const hint = phase === 'created' ? 'open() was already called' : this.#phase === 'created' ? 'call open() first' : `the harness is ${this.#phase}`;
      throw new WeirError(`${call} on the harness of "${this.#info.name}": ${hint}`, { code: 'WEIR_HARNESS', fault: 'user' });
    }
  }
}

export { OneInputOperatorHarness as OperatorHarness };
