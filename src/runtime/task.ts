// A Task runs one subtask of a vertex: a chain of operators fed by input channels or a source reader.

import type { Key } from '../core/types.ts';
import type { KeySelector } from '../api/functions.ts';
import type { ExecutionConfig } from '../api/config.ts';
import type { JobVertex } from '../graph/job-graph.ts';
import {
  HeapKeyedStateBackend, InternalTimerService, KeyGroupRange, OperatorStateBackend, copyOnWriteTime, keyGroupFor, warmSnapshotPaths,
} from '../state/index.ts';
import { END_OF_DATA, MAX_WATERMARK, isEncoded, NO_TIMESTAMP, type CheckpointBarrier, type ChannelItem, type RecordBuffer, type StreamEvent } from './events.ts';
import { InputGate } from './input-gate.ts';
import { BatchKeyedInput, type KeyedFeed } from '../batch/keyed-input.ts';
import { CombiningOutput, combinerKeys, isCombinable } from '../batch/combiner.ts';
import { DecodeScratch, decodeBatch, encodedSize } from '../serde/index.ts';
import type { DirectReceiver, InputChannel } from './network/input-channel.ts';
import type { RecordWriter } from './network/record-writer.ts';
import type { ElementTime, Output, OperatorContext, StreamOperator } from './operator.ts';
import { attribute, type OperatorInfo } from './operator-error.ts';
import { ChainedOutput, KeyedChainedOutput, WriterOutput, combineOutputs } from './output.ts';
import { createOperator } from './operators/create-operator.ts';
import { SourceOperator } from './operators/source.ts';
import { TwoInputStreamOperator } from './operators/two-input/two-input-operator.ts';
import type { OperatorSnapshotData, SlotToManager, TaskDeployment, TaskId } from './protocol.ts';
import type { SourceSplit } from '../connectors/source.ts';
import { BACK_PRESSURED, BUSY, IDLE, TaskTime, type TaskTimeState } from './task-time.ts';

/** What a task needs from the slot that hosts it. */
export interface TaskServices {
  wake(): void;
  report(message: SlotToManager, transfer?: ArrayBuffer[]): void;
  writeText(stream: 'stdout' | 'stderr', text: string): void;
  scheduleProcessingTime(task: Task, time: number): void;
  fail(task: Task, error: unknown): void;
  readonly jobArgs: readonly string[];
}

type TaskState = 'created' | 'running' | 'finishing' | 'ended' | 'closing' | 'finished' | 'failed';

interface KeyedHead {
  readonly selector: KeySelector<unknown, Key>;
  readonly backend: HeapKeyedStateBackend;
}

/** Most buffers a task handles per scheduling step before letting its slot-mates run. */
const BUFFERS_PER_STEP = 8;
/** Records a source step sends downstream at most, in buffers (#stepSource). A chain ending in a sink sends none: its steps end after BUFFERS_PER_STEP polls. */
export const SOURCE_STEP_BUFFERS = 4;
/** Smallest source poll when there is some credit (a poll has a fixed cost; the records of a tiny one would wait in a partial buffer anyway). */
const MIN_SOURCE_POLL = 32;

export class Task implements TaskId {
  readonly vertex: number;
  readonly subtask: number;
  readonly name: string;
  readonly #services: TaskServices;
  readonly #config: ExecutionConfig;
  readonly #operators: StreamOperator[] = [];
  readonly #infos: OperatorInfo[] = [];
  readonly #contexts: OperatorContext[] = [];
  readonly #writers: RecordWriter[];
  readonly #gate: InputGate | undefined;
  /** The current record's timestamp, shared by the chain (operator.ts ElementTime). */
  readonly #element: ElementTime = { timestamp: NO_TIMESTAMP };
  /** The arrays each buffer from another thread is decoded into (#processBuffer is done with a batch before it decodes the next). */
  readonly #decodeScratch = new DecodeScratch();
  readonly #keyedHead: KeyedHead | undefined;
  readonly #source: SourceOperator | undefined;
  /** A two-input head, and the logical input of each channel (by channel index). */
  readonly #twoInput: TwoInputStreamOperator | undefined;
  readonly #inputIndexes: readonly number[];
  /**
   * Made with a function in it (emptied in the constructor): an empty literal's elements are Smis, and the
   * first action pushed (for a task with inputs, the first checkpoint's completion) would change the
   * array's map and deoptimize the hot code that reads its length (a same-thread producer's acceptsRecord).
   */
  readonly #mailbox: (() => void)[] = [() => {}];
  /** Operators that can refuse input (async I/O at capacity): while one does, the task pulls none. */
  readonly #blockers: StreamOperator[];
  #state: TaskState = 'created';
  #inputWatermark = Number.NEGATIVE_INFINITY;
  #outputWatermark = Number.NEGATIVE_INFINITY;
  readonly #onOutputWatermark = (t: number): void => { if (t > this.#outputWatermark) this.#outputWatermark = t; };
  #busy = false;
  /** Durability promises of the snapshot being taken (`awaitBeforeAck`), settled to their error or undefined so none is ever unhandled. */
  #ackWaits: Promise<unknown>[] = [];
  #sourceWaiting = false;
  /**
   * Checkpointing mode 'synchronous-global' (benchmark-only, api/config.ts): a source task stops
   * reading after its barrier of checkpoint n until n completed or was aborted; the id, else -1.
   */
  #haltedFor = -1;
  readonly #haltsAtBarrier: boolean;
  /** Runtime mode BATCH: no watermarks in or out, no processing-time timers (src/batch/). */
  readonly #batch: boolean;
  /** BATCH, one-input keyed head: the whole input grouped by key, fed key by key once it ended. */
  readonly #batchInput: BatchKeyedInput | undefined;
  #batchDraining = false;
  /** BATCH: pre-aggregation in front of keyBy edges into combinable aggregations; emptied at the end of input. */
  readonly #combiners: CombiningOutput[] = [];
  #batchRecord: unknown;
  #recordsIn = 0;
  #bytesIn = 0;
  /** Busy / back-pressured / idle time, kept by the slot around steps (task-time.ts). */
  readonly time = new TaskTime(performance.now());

  constructor(options: {
    vertex: JobVertex;
    deployment: TaskDeployment;
    config: ExecutionConfig;
    inputs: InputChannel[];
    /** Per input channel, which logical input of a two-input head it feeds (default: all 0). */
    inputIndexes?: readonly number[];
    /** One writer per outgoing job edge, by edge index. */
    writers: Map<number, RecordWriter>;
    services: TaskServices;
  }) {
    const { vertex, deployment, config } = options;
    this.vertex = vertex.index;
    this.subtask = deployment.subtask;
    this.name = `${vertex.name} (${deployment.subtask + 1}/${vertex.parallelism})`;
    this.#services = options.services;
    this.#config = config;
    this.#mailbox.pop();
    this.#writers = [...options.writers.values()];
    const batch = this.#batch = config.runtimeMode === 'BATCH';
    // The synchronous global snapshot aligns barriers as exactly-once does; only its sources differ.
    const alignment = config.checkpoint.mode === 'at-least-once' ? 'at-least-once' : 'exactly-once';
    this.#haltsAtBarrier = config.checkpoint.mode === 'synchronous-global';
    this.#gate = options.inputs.length === 0 ? undefined : new InputGate(options.inputs, alignment, {
      onBuffer: (channel, item) => this.#processBuffer(channel, item),
      onWatermark: (t) => { if (batch) return; this.#inputWatermark = t; this.#operators[0]!.processWatermark(t); },
      onWatermarkStatus: (idle) => { if (!batch) this.#operators[0]!.processWatermarkStatus(idle); },
      onBarrier: (barrier, alignmentMs) => this.#performCheckpoint(barrier, alignmentMs),
      onEndOfInput: () => this.#endInput(),
      shouldPause: () => this.#busy || (this.#state !== 'running' && this.#state !== 'ended') || this.#outputsBlocked() || this.#mailbox.length > 0,
    });

    const range = KeyGroupRange.forOperator(config.maxParallelism, vertex.parallelism, deployment.subtask);
    if (!batch && config.checkpoint.interval > 0 && vertex.operators.some((c) => c.node.keySelector)) warmSnapshotPaths();
    for (const chained of vertex.operators) {
      const node = chained.node;
      const operator = createOperator(node.spec, node.name);
      const info: OperatorInfo = { name: node.name, uid: node.uid, subtaskIndex: deployment.subtask, parallelism: vertex.parallelism };
      const keyedBackend = node.keySelector ? new HeapKeyedStateBackend({ maxParallelism: config.maxParallelism, keyGroupRange: range }) : undefined;
      const timers = node.keySelector ? new InternalTimerService({ maxParallelism: config.maxParallelism, keyGroupRange: range }) : undefined;
      const operatorState = new OperatorStateBackend();
      const restored = deployment.restore?.[node.uid];
      if (restored) {
        if (keyedBackend && restored.keyed.length > 0) keyedBackend.restore(restored.keyed);
        if (timers && restored.timers.length > 0) timers.restore(restored.timers);
        if (restored.operator) operatorState.restore(restored.operator);
      }
      const context: OperatorContext = {
        operatorName: node.name, uid: node.uid, subtaskIndex: deployment.subtask, parallelism: vertex.parallelism,
        maxParallelism: config.maxParallelism, jobArgs: options.services.jobArgs, checkpointing: config.checkpoint.interval > 0, batch, restored: deployment.restore !== undefined,
        keyedBackend, timers, operatorState, element: this.#element,
        autoWatermarkInterval: config.autoWatermarkInterval,
        currentProcessingTime: () => Date.now(),
        // BATCH: processing-time timers never fire, so no wake-up is scheduled for them.
        scheduleProcessingTime: batch ? () => {} : (time) => this.#services.scheduleProcessingTime(this, time),
        enqueue: (action) => this.enqueue(action),
        reportSourceWatermark: (group, watermark) => this.#services.report({ type: 'source-watermark', task: { vertex: this.vertex, subtask: this.subtask }, group, watermark }),
        reportCollected: (records) => this.#services.report({ type: 'collected', sinkId: node.transformationId, records }),
        ...(deployment.deferCommit ? { deferCommit: (committables: unknown[]) => this.#services.report({ type: 'committables', task: { vertex: this.vertex, subtask: this.subtask }, sinkUid: node.uid, committables }) } : {}),
        writeText: (stream, text) => this.#services.writeText(stream, text),
        awaitBeforeAck: (durable) => { this.#ackWaits.push(durable.then(() => undefined, (e: unknown) => e ?? new Error('a snapshot\'s durability promise was rejected'))); },
      };
      operator.context = context;
      if (operator instanceof SourceOperator) {
        const task: TaskId = { vertex: vertex.index, subtask: deployment.subtask };
        operator.requestSplit = () => this.#services.report({ type: 'split-request', task });
      }
      this.#operators.push(operator);
      this.#infos.push(info);
      this.#contexts.push(context);
    }
    // Wire outputs: chained operators are called directly, edges go through record writers.
    vertex.operators.forEach((chained, i) => {
      const outputs = new Map<string, Output[]>();
      const add = (tag: string, o: Output): void => { const list = outputs.get(tag); if (list) list.push(o); else outputs.set(tag, [o]); };
      chained.chainedOutputs.forEach((j, k) => {
        const next = vertex.operators[j]!.node;
        const output = next.keySelector === undefined
          ? new ChainedOutput(this.#operators[j]!, this.#infos[j]!)
          : new KeyedChainedOutput(this.#operators[j]!, this.#infos[j]!, next.keySelector, this.#contexts[j]!.keyedBackend!, config.maxParallelism, chained.node.name);
        add(chained.chainedTags?.[k] ?? '', output);
      });
      for (const edge of chained.edgeOutputs) {
        const out = new WriterOutput(options.writers.get(edge.index)!, this.#element, this.#onOutputWatermark, batch);
        // BATCH: records into a keyed reduce/sum/min/max/minBy/maxBy are pre-aggregated per key before the edge (batch/combiner.ts).
        const target = edge.target.operators[0]!.node;
        if (batch && config.batch.combine && edge.partition.kind === 'hash' && target.keySelector !== undefined && isCombinable(target.spec)) {
          const combiner = new CombiningOutput(out, {
            spec: target.spec, key: edge.partition.key, producerName: chained.node.name, maxKeys: combinerKeys(config.batch.sortMemory), element: this.#element,
            operator: { name: target.name, uid: target.uid, subtaskIndex: deployment.subtask, parallelism: vertex.parallelism },
          });
          this.#combiners.push(combiner);
          add(edge.tag ?? '', combiner);
        } else {
          add(edge.tag ?? '', out);
        }
      }
      const op = this.#operators[i]!;
      op.output = combineOutputs(outputs.get('') ?? []);
      const sides = new Map<string, Output>();
      for (const [tag, list] of outputs) if (tag !== '') sides.set(tag, combineOutputs(list));
      op.sideOutputs = sides;
    });
    const head = vertex.operators[0]!.node;
    this.#keyedHead = head.keySelector ? { selector: head.keySelector, backend: this.#contexts[0]!.keyedBackend! } : undefined;
    this.#source = this.#operators[0] instanceof SourceOperator ? this.#operators[0] : undefined;
    this.#blockers = this.#operators.filter((op) => op.inputBlocked !== undefined);
    this.#twoInput = this.#operators[0] instanceof TwoInputStreamOperator ? this.#operators[0] : undefined;
    this.#inputIndexes = options.inputIndexes ?? [];
    this.#batchInput = batch && config.batchKeyedInput === 'grouped' && this.#keyedHead && this.#gate && !this.#twoInput
      ? new BatchKeyedInput({ memoryBytes: config.batch.sortMemory, dir: config.batch.spillDir, keyOf: this.#keyedHead.selector })
      : undefined;
    // Same-thread producers hand records over one by one (RecordWriter); two-input heads take buffers only.
    if (this.#gate && !this.#twoInput) {
      const receiver: DirectReceiver = {
        accepts: (index) => this.#state === 'running' && !this.#busy && this.#mailbox.length === 0 && !this.#gate!.isBlocked(index) && !this.#outputsBlocked(),
        processRun: (_index, records, keys, selector, keyGroups, timestamps, count) => this.#processRun(records, keys, selector, keyGroups, timestamps, count),
      };
      for (const input of options.inputs) input.receiver = receiver;
    }
  }

  get state(): TaskState {
    return this.#state;
  }

  /** Records that entered the chain: read by the source, or taken from input channels. */
  get recordsIn(): number {
    return this.#source ? this.#source.recordsRead : this.#recordsIn;
  }

  /**
   * The stage's event-time progress for metrics: the last watermark the chain sent downstream,
   * else (a chain ending in a sink) the one that reached its head, else a source's own; −∞ before any.
   */
  get currentWatermark(): number {
    if (this.#outputWatermark > Number.NEGATIVE_INFINITY) return this.#outputWatermark;
    if (this.#inputWatermark > Number.NEGATIVE_INFINITY) return this.#inputWatermark;
    return this.#source?.currentWatermark ?? Number.NEGATIVE_INFINITY;
  }

  /** Keys held in the largest keyed state of this task's operators (the heap guard names the task). */
  get keyedStateKeys(): number {
    let n = 0;
    // Per state, no union of key sets: this is read when the heap is nearly full.
    for (const c of this.#contexts) {
      const b = c.keyedBackend;
      if (b !== undefined) for (const name of b.stateNames()) n = Math.max(n, b.numKeys(name));
    }
    return n;
  }

  /** Records sent to other tasks (0 for a chain that ends in a sink). */
  get recordsOut(): number {
    let n = 0;
    for (const w of this.#writers) n += w.recordsOut;
    return n;
  }

  /** Encoded bytes taken from channels of other threads (same-thread buffers are not serialized). */
  get bytesIn(): number {
    return this.#bytesIn;
  }

  /** Encoded bytes sent to other threads. */
  get bytesOut(): number {
    let n = 0;
    for (const w of this.#writers) n += w.bytesOut;
    return n;
  }

  get inputWatermark(): number {
    return this.#inputWatermark;
  }

  get outputWatermark(): number {
    return this.#outputWatermark;
  }

  /** For the time accounting (task-time.ts): back-pressured when output waits for credit, busy when it runs or could, else idle. */
  get timeState(): TaskTimeState {
    const s = this.#state;
    if (s === 'created' || s === 'finished' || s === 'failed') return IDLE;
    if (this.#busy) return BUSY;
    for (const w of this.#writers) if (w.hasBacklog) return BACK_PRESSURED;
    if (this.#source !== undefined && s === 'running' && !this.#sourceWaiting && this.#sourcePollSize() === 0) return BACK_PRESSURED;
    return this.runnable ? BUSY : IDLE;
  }

  /** Opens operators from the tail to the head, so a downstream operator is ready before records reach it. */
  async open(): Promise<void> {
    for (let i = this.#operators.length - 1; i >= 0; i--) {
      try {
        await this.#operators[i]!.open();
      } catch (e) {
        throw attribute(e, this.#infos[i]!, undefined, 'open()');
      }
    }
    this.#state = 'running';
  }

  /** Queues an action to run between buffers (checkpoint triggers, timers, commands). */
  enqueue(action: () => void): void {
    this.#mailbox.push(action);
    this.#services.wake();
  }

  /** Runs a bounded amount of work; returns whether anything happened. */
  step(): boolean {
    if (this.#busy || this.#state === 'finished' || this.#state === 'failed' || this.#state === 'created') return false;
    try {
      let did = false;
      while (this.#mailbox.length > 0 && !this.#busy) {
        this.#mailbox.shift()!();
        did = true;
      }
      if (this.#busy) return true;
      if (this.#state !== 'running' && this.#state !== 'ended') return did;
      if (this.#outputsBlocked()) return did;
      if (this.#batchDraining) return this.#stepBatchDrain() || did;
      if (this.#source) return this.#stepSource() || did;
      return this.#gate!.read(BUFFERS_PER_STEP) || did;
    } catch (e) {
      this.#services.fail(this, e);
      this.#state = 'failed';
      return false;
    }
  }

  /** Whether a step could do something now (the slot parks when no task can). */
  get runnable(): boolean {
    if (this.#busy || this.#state === 'finished' || this.#state === 'failed' || this.#state === 'created') return false;
    if (this.#mailbox.length > 0) return true;
    if (this.#state !== 'running' && this.#state !== 'ended') return false;
    if (this.#outputsBlocked()) return false;
    if (this.#batchDraining) return true;
    if (this.#source) return this.#state === 'running' && !this.#sourceWaiting && this.#haltedFor < 0 && this.#sourcePollSize() > 0;
    return this.#gate!.hasInput;
  }

  /** Sends partial buffers and operator-internal buffers (the slot calls this when it goes idle). */
  flushOutputs(): boolean {
    if (this.#state === 'finished' || this.#state === 'failed' || this.#state === 'created' || this.#busy) return false;
    let sent = false;
    try {
      for (const op of this.#operators) op.flush();
    } catch (e) {
      this.#services.fail(this, e);
      this.#state = 'failed';
      return false;
    }
    for (const w of this.#writers) {
      if (w.hasPending) { w.flush(); sent = true; }
    }
    return sent;
  }

  /** Output waits for credit: a backlog, or a running source with no credit for its next poll. */
  get waitsForCredit(): boolean {
    for (const w of this.#writers) if (w.hasBacklog) return true;
    return this.#source !== undefined && this.#state === 'running' && !this.#sourceWaiting && this.#haltedFor < 0 && this.#sourcePollSize() === 0;
  }

  #outputsBlocked(): boolean {
    for (const w of this.#writers) if (w.hasBacklog) return true;
    for (const op of this.#blockers) if (op.inputBlocked!()) return true;
    return false;
  }

  /**
   * Flow control at the source: the next poll asks for as many records as the outputs can pass
   * on the credit they have now, at the fan-out (records out per record read) seen so far, so
   * a poll fills the free buffers instead of piling buffers into backlogs and stalling the task
   * until they drained; between MIN_SOURCE_POLL and bufferSize records, 0 when a writer has no
   * credit at all (the task then waits for one: a returned credit wakes the slot).
   */
  #sourcePollSize(budget = Number.POSITIVE_INFINITY): number {
    const bufferSize = this.#config.bufferSize;
    const read = this.#source!.recordsRead;
    let size = bufferSize;
    for (const w of this.#writers) {
      const room = Math.min(w.recordRoom, budget);
      if (room <= 0) return 0;
      const fanOut = read > 0 ? w.recordsOut / read : 1;
      if (fanOut > 0 && room < size * fanOut) size = Math.floor(room / fanOut);
    }
    return size < MIN_SOURCE_POLL ? Math.min(MIN_SOURCE_POLL, bufferSize) : size;
  }

  #stepSource(): boolean {
    if (this.#state !== 'running' || this.#sourceWaiting || this.#haltedFor >= 0) return false;
    const source = this.#source!;
    // A step sends at most SOURCE_STEP_BUFFERS buffers' worth of records (far less than a channel's
    // credit) before the slot runs its other tasks: the consumer task of this thread then returns the
    // other thread's credits while this source still has credit of its own, so neither thread waits
    // for the other's step to end. Not applied to recordRoom's zero: a full channel still stops the poll.
    // Only when a consumer runs in another thread: with every consumer in this thread the source runs until
    // its credit is gone, so a slow consumer shows as back-pressure on it (not as a runnable, 'busy' source).
    let budget = Number.POSITIVE_INFINITY;
    for (const w of this.#writers) if (w.hasRemoteChannel) { budget = SOURCE_STEP_BUFFERS * this.#config.bufferSize; break; }
    const out = this.recordsOut;
    for (let i = 0; i < BUFFERS_PER_STEP; i++) {
      const left = budget - (this.recordsOut - out);
      if (left <= 0) return true;
      const max = this.#sourcePollSize(left);
      if (max === 0) return i > 0;
      let status;
      try {
        status = source.poll(max);
      } catch (e) {
        throw attribute(e, this.#infos[0]!, undefined, 'the source reader');
      }
      if (status === 'end') {
        this.#endInput();
        return true;
      }
      if (status === 'wait') {
        this.#sourceWaiting = true;
        source.available().then(
          () => { this.#sourceWaiting = false; this.#services.wake(); },
          (e: unknown) => { this.#services.fail(this, attribute(e, this.#infos[0]!, undefined, 'the source reader')); this.#state = 'failed'; },
        );
        return true;
      }
      if (this.#outputsBlocked() || this.#mailbox.length > 0) break;
    }
    return true;
  }

  /**
   * A data buffer from a channel. Decoded buffers (from another thread) and local ones (a
   * same-thread producer's, which only appear when it could not hand its records over: back-pressure,
   * or a channel blocked by barrier alignment) are different hidden classes, so their fields are read
   * at separate sites: the first checkpoint's local buffers do not turn the loads that so far saw
   * only decoded buffers polymorphic (a "wrong map" deoptimization of this loop). The loops stay in
   * this one function (a helper taking the arrays would spend V8's inlining budget of the hot loop).
   */
  #processBuffer(channel: InputChannel, item: Exclude<ChannelItem, StreamEvent>): number {
    let records: unknown[];
    let keyGroups: Int32Array | null;
    let timestamps: Float64Array | null;
    const local = !isEncoded(item);
    if (!local) {
      this.#bytesIn += encodedSize(item);
      const decoded = decodeBatch(item, this.#decodeScratch);
      // Decoding copied everything out of the buffer: its credit (and the buffer, for the producer
      // to encode into again) goes back now, not after the records ran through the chain, so the
      // producer in the other thread can fill the next buffer while this one is processed.
      channel.releaseBuffer(item);
      records = decoded.records;
      keyGroups = decoded.keyGroups;
      timestamps = decoded.timestamps ?? null;
    } else {
      const buffer = item as RecordBuffer;
      records = buffer.records;
      keyGroups = buffer.keyGroups;
      timestamps = buffer.timestamps ?? null;
    }
    if (this.#twoInput) {
      this.#processTwoInputBuffer(this.#twoInput, this.#inputIndexes[channel.index] ?? 0, records, keyGroups, timestamps);
      if (!local) return 1;
      channel.releaseBuffer(null);
      return records.length / this.#config.bufferSize;
    }
    const count = records.length;
    this.#recordsIn += count;
    const head = this.#operators[0]!;
    const element = this.#element;
    if (timestamps === null) element.timestamp = NO_TIMESTAMP;
    let i = 0;
    try {
      const keyed = this.#keyedHead;
      const batchInput = this.#batchInput;
      if (batchInput !== undefined) {
        const selector = keyed!.selector;
        const maxParallelism = this.#config.maxParallelism;
        for (; i < count; i++) {
          const record = records[i];
          const key = selector(record);
          batchInput.add(key, keyGroups ? keyGroups[i]! : keyGroupFor(key, maxParallelism), record, timestamps ? timestamps[i]! : NO_TIMESTAMP);
        }
      } else if (timestamps) {
        const selector = keyed?.selector;
        const maxParallelism = this.#config.maxParallelism;
        for (; i < count; i++) {
          const record = records[i];
          if (keyed) {
            const key = selector!(record);
            keyed.backend.setCurrentKey(key, keyGroups ? keyGroups[i]! : keyGroupFor(key, maxParallelism));
          }
          element.timestamp = timestamps[i]!;
          head.processElement(record);
        }
      } else if (keyed) {
        const selector = keyed.selector;
        const backend = keyed.backend;
        const maxParallelism = this.#config.maxParallelism;
        for (; i < count; i++) {
          const record = records[i];
          const key = selector(record);
          backend.setCurrentKey(key, keyGroups ? keyGroups[i]! : keyGroupFor(key, maxParallelism));
          head.processElement(record);
        }
      } else {
        for (; i < count; i++) head.processElement(records[i]);
      }
    } catch (e) {
      throw attribute(e, this.#infos[0]!, { value: records[i] });
    }
    if (!local) return 1;
    channel.releaseBuffer(null);
    // A same-thread buffer counts by its records: a producer whose run was refused sends it alone
    // (RecordWriter), and the step reads all such short buffers queued, so that the producer's next
    // run finds the queue empty and is handed over again instead of queued behind them.
    return count / this.#config.bufferSize;
  }

  /** A buffer of one input of a two-input head: that input's key selector and processElement1/2, chosen once per buffer. */
  #processTwoInputBuffer(head: TwoInputStreamOperator, input: number, records: unknown[], keyGroups: Int32Array | null, timestamps: Float64Array | null): void {
    const count = records.length;
    this.#recordsIn += count;
    const element = this.#element;
    const selector = head.keySelectors[input];
    const backend = this.#contexts[0]!.keyedBackend;
    const maxParallelism = this.#config.maxParallelism;
    let i = 0;
    try {
      for (; i < count; i++) {
        const record = records[i];
        if (selector !== undefined && backend !== undefined) {
          const key = selector(record);
          backend.setCurrentKey(key, keyGroups ? keyGroups[i]! : keyGroupFor(key, maxParallelism));
        }
        element.timestamp = timestamps ? timestamps[i]! : NO_TIMESTAMP;
        if (input === 0) head.processElement1(record);
        else head.processElement2(record);
      }
    } catch (e) {
      throw attribute(e, this.#infos[0]!, { value: records[i] });
    }
  }

  /**
   * One record of a run handed over by a producer task of this thread (#processRun's general case):
   * the key and key group come with it when the edge computed them with the head's own selector.
   * A failure fails this task (and so the slot) before it unwinds into the producer, so a
   * producer that catches it cannot hide it.
   */
  #processRecord(record: unknown, key: Key | undefined, selector: KeySelector<unknown, Key> | undefined, keyGroup: number, timestamp: number): void {
    this.#recordsIn++;
    try {
      const keyed = this.#keyedHead;
      if (keyed && this.#batchInput !== undefined) {
        if (selector !== keyed.selector || key === undefined) key = keyed.selector(record);
        this.#batchInput.add(key, keyGroup >= 0 ? keyGroup : keyGroupFor(key, this.#config.maxParallelism), record, timestamp);
        return;
      }
      if (keyed) {
        if (selector !== keyed.selector || key === undefined) key = keyed.selector(record);
        keyed.backend.setCurrentKey(key, keyGroup >= 0 ? keyGroup : keyGroupFor(key, this.#config.maxParallelism));
      }
      this.#element.timestamp = timestamp;
      this.#operators[0]!.processElement(record);
    } catch (e) {
      const error = attribute(e, this.#infos[0]!, { value: record });
      this.#state = 'failed';
      this.#services.fail(this, error);
      throw error;
    }
  }

  /**
   * A run of records from a producer task of this thread (RecordWriter, keyed same-thread channels),
   * with the keys and key groups the writer computed: one loop, so the head's chain is compiled
   * here as in #processBuffer rather than into the producer's emit. Fails this task before the
   * error unwinds into the producer, as #processRecord does.
   */
  #processRun(records: readonly unknown[], keys: readonly Key[], selector: KeySelector<unknown, Key> | undefined, keyGroups: Int32Array, timestamps: Float64Array, count: number): void {
    const keyed = this.#keyedHead;
    if (keyed === undefined || selector !== keyed.selector || this.#batchInput !== undefined) {
      for (let i = 0; i < count; i++) this.#processRecord(records[i], keys[i], selector, keyGroups[i]!, timestamps[i]!);
      return;
    }
    this.#recordsIn += count;
    const head = this.#operators[0]!;
    const element = this.#element;
    const backend = keyed.backend;
    let i = 0;
    try {
      for (; i < count; i++) {
        backend.setCurrentKey(keys[i]!, keyGroups[i]!);
        element.timestamp = timestamps[i]!;
        head.processElement(records[i]);
      }
    } catch (e) {
      const error = attribute(e, this.#infos[0]!, { value: records[i] });
      this.#state = 'failed';
      this.#services.fail(this, error);
      throw error;
    }
  }

  /** End of input: finish operators head first (their last records still flow), then signal end of data. */
  #endInput(drain = true): void {
    if (this.#batchInput !== undefined && drain) {
      // BATCH: the grouped input is fed key by key in bounded steps (#stepBatchDrain), then the input ends.
      this.#batchDraining = true;
      this.#services.wake();
      return;
    }
    // BATCH without grouping ('state' keyed input, two-input and non-keyed heads): no watermark came in,
    // event time ends at +∞ here, once for every key (aggregations emit their final values in finish()).
    if (this.#batch && !this.#source && drain) {
      const head = this.#operators[0]!;
      head.processWatermark(MAX_WATERMARK);
      // Processing time ends with the input as well (Flink's BATCH): the head's processing-time timers fire once, after the event-time ones.
      const timers = this.#contexts[0]!.timers;
      if (timers !== undefined && timers.numProcessingTimeTimers() > 0) fireProcessingTimeAtEnd(head, timers);
    }
    this.#state = 'finishing';
    // A bounded end fires every event-time timer; a stop-with-savepoint does not (the job goes on after restore).
    if (this.#source && drain) this.#source.processWatermark(MAX_WATERMARK);
    this.#runHooks((op) => op.finish(), 'finish()', () => {
      for (const op of this.#operators) op.flush();
      for (const c of this.#combiners) c.finish();
      for (const w of this.#writers) w.broadcastEvent(END_OF_DATA);
      this.#state = 'ended';
      this.#services.report({ type: 'end-of-data', task: { vertex: this.vertex, subtask: this.subtask } });
    });
  }

  /**
   * Source tasks: the enumerator's answer to a split request. A mailbox action, like a
   * checkpoint trigger, so the two apply in the order they arrived (source-coordinator.ts).
   */
  assignSplits(splits: readonly SourceSplit[], noMoreSplits: boolean): void {
    const source = this.#source;
    if (source) this.enqueue(() => source.assignSplits(splits, noMoreSplits));
  }

  /** BATCH: feeds about one step's worth of the grouped input to the head; ends the input after the last key. */
  #stepBatchDrain(): boolean {
    const budget = BUFFERS_PER_STEP * this.#config.bufferSize;
    let done: boolean;
    try {
      done = this.#batchInput!.drain(budget, this.#batchFeed);
    } catch (e) {
      throw attribute(e, this.#infos[0]!, { value: this.#batchRecord });
    }
    if (done) {
      this.#batchInput!.dispose();
      this.#batchDraining = false;
      this.#batchRecord = undefined;
      // drain = false: every key already had its event time at +∞; now finish() and end-of-data.
      this.#endInput(false);
    }
    return true;
  }

  /** How a key's grouped input enters the head: its records, endOfKey(), its event-time timers at +∞, then its state goes. */
  readonly #batchFeed: KeyedFeed = {
    startKey: (key, keyGroup) => this.#keyedHead!.backend.setCurrentKey(key, keyGroup),
    record: (record, timestamp) => {
      this.#batchRecord = record;
      this.#element.timestamp = timestamp;
      this.#operators[0]!.processElement(record);
    },
    endKey: (key, keyGroup) => {
      const head = this.#operators[0]!;
      const backend = this.#keyedHead!.backend;
      const timers = this.#contexts[0]!.timers;
      this.#batchRecord = undefined;
      head.endOfKey?.();
      if (timers !== undefined) {
        if (timers.numEventTimeTimers() > 0) {
          head.processWatermark(MAX_WATERMARK);
          backend.setCurrentKey(key, keyGroup);
        }
        if (timers.numProcessingTimeTimers() > 0) {
          // As Flink's BATCH: processing time ends with the key too; its timers fire after the event-time ones.
          fireProcessingTimeAtEnd(head, timers);
          backend.setCurrentKey(key, keyGroup);
        }
        timers.resetForNextKey();
      }
      backend.clearAllOfCurrentKey();
    },
  };

  /** Source tasks: the coordinator asks for checkpoint n; the barrier starts here. */
  triggerCheckpoint(barrier: CheckpointBarrier): void {
    this.enqueue(() => this.#performCheckpoint(barrier, 0));
  }

  #performCheckpoint(barrier: CheckpointBarrier, alignmentMs: number): void {
    const started = performance.now();
    const id = barrier.checkpointId;
    this.#runHooks((op) => { op.flush(); return op.snapshotState(id); }, `snapshotState(${id})`, () => {
      // Synchronous part: copy-on-write views of keyed state, copies of operator state.
      const views = this.#contexts.map((c) => ({
        uid: c.uid,
        keyed: c.keyedBackend?.snapshot(),
        timers: c.timers && c.timers.numEventTimeTimers() + c.timers.numProcessingTimeTimers() > 0 ? c.timers.snapshot() : undefined,
        operator: c.operatorState.snapshot(),
      }));
      // Durability the operators started in snapshotState (a sink's fsync): awaited before the ack, not by the task.
      const durable = this.#ackWaits;
      this.#ackWaits = [];
      for (const w of this.#writers) w.broadcastEvent(barrier);
      // Synchronous global snapshot: nothing more enters the job until the checkpoint is over (resumeAfterCheckpoint).
      if (this.#haltsAtBarrier && this.#source) this.#haltedFor = id;
      const syncMs = performance.now() - started;
      // Copies made since the last snapshot because a snapshot still held the data: this thread's cost of the previous checkpoint.
      const copyMs = copyOnWriteTime.ms;
      copyOnWriteTime.ms = 0;
      // Asynchronous part: serialize the views in slices while records keep flowing.
      setImmediate(async () => {
        const asyncStarted = performance.now();
        const operators: OperatorSnapshotData[] = [];
        const busy = { ms: 0 };
        try {
          for (const v of views) {
            if (this.#state === 'failed') return;
            const keyed = await v.keyed?.writeAsync(2, busy);
            v.keyed?.release();
            const timersStarted = performance.now();
            const timers = v.timers?.write();
            v.timers?.release();
            busy.ms += performance.now() - timersStarted;
            operators.push({ uid: v.uid, keyed, timers, operator: v.operator });
          }
          if (durable.length > 0) {
            const failed = (await Promise.all(durable)).find((e) => e !== undefined);
            if (failed !== undefined) throw failed;
          }
        } catch (e) {
          this.#services.fail(this, e);
          this.#state = 'failed';
          return;
        }
        if (this.#state === 'failed') return;
        // The state bytes are copied to the TaskManager, not transferred: a transfer detaches them here, and the first
        // detach in a thread invalidates V8's ArrayBufferDetaching protector, slowing every typed-array access of the
        // thread for the rest of its life (runtime/network/output-channel.ts).
        this.#services.report({
          type: 'ack', task: { vertex: this.vertex, subtask: this.subtask }, checkpointId: id, operators,
          syncMs, asyncMs: performance.now() - asyncStarted, asyncBusyMs: busy.ms + copyMs, alignmentMs,
        });
      });
    });
  }

  notifyCheckpointComplete(checkpointId: number): void {
    this.enqueue(() => this.#resumeAfterCheckpoint(checkpointId));
    this.enqueue(() => this.#runHooks((op) => op.notifyCheckpointComplete(checkpointId), `notifyCheckpointComplete(${checkpointId})`, () => {}));
  }

  /** The coordinator gave up checkpoint n (timeout, decline): a source halted for it reads again. */
  notifyCheckpointAborted(checkpointId: number): void {
    if (this.#haltedFor >= 0) this.enqueue(() => this.#resumeAfterCheckpoint(checkpointId));
  }

  /** Whether this source task stopped reading for a synchronous global snapshot (its checkpoint id), else -1. */
  get haltedForCheckpoint(): number {
    return this.#haltedFor;
  }

  #resumeAfterCheckpoint(checkpointId: number): void {
    if (this.#haltedFor >= 0 && this.#haltedFor <= checkpointId) this.#haltedFor = -1;
  }

  onProcessingTime(now: number): void {
    if (this.#batch) return;
    this.enqueue(() => this.#runHooks((op) => op.onProcessingTime(now), 'a processing-time timer', () => {}));
  }

  /** Watermark alignment: the group's allowed maximum changed (source tasks only). */
  alignWatermark(group: string, maxWatermark: number): void {
    const source = this.#source;
    if (source) this.enqueue(() => source.alignWatermark(group, maxWatermark));
  }

  /**
   * Stop-with-savepoint: a source ends its input early, as if it were bounded. Without `drain`
   * no event-time timer fires (the job goes on after a restore); with it, event time advances
   * to the end first, as Flink's `stop --drain`.
   */
  stopSource(drain = false): void {
    if (this.#source && this.#state === 'running') this.enqueue(() => { if (this.#state === 'running') this.#endInput(drain); });
  }

  /**
   * Closes every operator after the job reached its end. Goes through the mailbox, so that
   * actions queued before (a checkpoint-complete whose commit is still running) finish first.
   */
  close(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.enqueue(() => {
        this.#state = 'closing';
        this.#runHooks((op) => op.notifyEndOfJob(), 'the end of the job', () => {
          this.#runHooks((op) => op.close(), 'close()', () => {
            this.#state = 'finished';
            resolve();
          });
        });
      });
    });
  }

  /** Best-effort close after a failure: errors here are secondary and ignored. */
  async abort(): Promise<void> {
    this.#state = 'failed';
    try { this.#batchInput?.dispose(); } catch { /* spilled runs in the temp directory: secondary */ }
    for (const op of this.#operators) {
      try { await op.close(); } catch { /* the first failure is the one reported */ }
    }
  }

  /**
   * Calls `hook` on every operator, head first, then `done`. A hook that returns a promise
   * pauses the task (no records, no mailbox) until it settles, so the operator contract is
   * never called concurrently. Errors name the operator and the phase, and fail the task.
   */
  #runHooks(hook: (op: StreamOperator) => void | Promise<void>, phase: string, done: () => void): void {
    let i = 0;
    const next = (): void => {
      while (i < this.#operators.length) {
        const index = i++;
        let result: void | Promise<void>;
        try {
          result = hook(this.#operators[index]!);
        } catch (e) {
          throw attribute(e, this.#infos[index]!, undefined, phase);
        }
        if (result instanceof Promise) {
          this.#await(result.catch((e: unknown) => { throw attribute(e, this.#infos[index]!, undefined, phase); }), next);
          return;
        }
      }
      done();
    };
    next();
  }

  #await(promise: Promise<unknown>, then: () => void): void {
    this.#busy = true;
    promise.then(
      () => {
        this.#busy = false;
        try { then(); } catch (e) { this.#services.fail(this, e); this.#state = 'failed'; return; }
        this.#services.wake();
      },
      (e: unknown) => { this.#busy = false; this.#services.fail(this, e); this.#state = 'failed'; },
    );
  }
}

/** BATCH: fires every processing-time timer of `head` once, at +∞; timers registered meanwhile are dropped (no loop). */
function fireProcessingTimeAtEnd(head: StreamOperator, timers: InternalTimerService): void {
  timers.processingTimeQuiesced = true;
  try {
    head.onProcessingTime(Number.POSITIVE_INFINITY);
  } finally {
    timers.processingTimeQuiesced = false;
  }
}
