// A slot: one thread's scheduler for the tasks it hosts (slot k runs subtask k of each vertex), and its channels.

import { createHash } from 'node:crypto';
import { WeirError } from '../core/errors.ts';
import type { JobGraph } from '../graph/job-graph.ts';
import { buildChannelPlan, type ChannelInfo, type ChannelPlan } from './network/channel-plan.ts';
import { InputChannel } from './network/input-channel.ts';
import { OutputChannel, type ChannelTransport } from './network/output-channel.ts';
import { RecordWriter } from './network/record-writer.ts';
import { isEncoded, type ChannelItem } from './events.ts';
import { serializeError } from './operator-error.ts';
import type { Deployment, ManagerToSlot, SlotToManager, TaskMetrics } from './protocol.ts';
import { Task, type TaskServices } from './task.ts';
import { HEAP_STATE_WAYS_OUT, OutOfMemoryError, startHeapGuard } from './heap-guard.ts';
import { BUSY } from './task-time.ts';
import { LocalDiskShuffle } from '../batch/shuffle/local-disk.ts';
import { PipelinedShuffle, pipelinedPartition } from '../batch/shuffle/pipelined.ts';
import { subpartitionsFor } from '../batch/shuffle/api.ts';
import { traceStartup } from '../core/startup-trace.ts';

/** How a slot talks to other slots' threads: one link per remote slot, messages carry a channel id. */
export interface SlotLink {
  postMessage(message: unknown, transfer?: ArrayBuffer[]): void;
  /**
   * Takes the next message that arrived on this link, synchronously, if the transport can
   * (worker_threads' receiveMessageOnPort); the slot calls it between task steps so credits and
   * buffers from the other thread are seen without waiting for the end of its scheduling slice.
   * Messages taken here are not delivered to the link's message listener (same queue, in order).
   */
  receive?(): SlotLinkMessage | undefined;
}

/** How a slot talks to its TaskManager (postMessage to the main thread, or a direct call inline). */
export interface SlotHost {
  send(message: SlotToManager, transfer?: ArrayBuffer[]): void;
  writeText(stream: 'stdout' | 'stderr', text: string): void;
  /** A task's log line; `fields` carry job, vertex, subtask and attempt. Absent: tasks do not log. */
  log?(level: 'error' | 'warn' | 'info' | 'debug', fields: Record<string, unknown>, message: string): void;
}

/** Messages between slots over a link. */
export type LinkMessage =
  // A data buffer; the channel's first one carries its credit cells (`r`, OutputChannel.creditCells) when the consumer may use them.
  | { readonly c: number; readonly b: ArrayBufferLike; readonly r?: SharedArrayBuffer }
  | { readonly c: number; readonly e: ChannelItem }
  // A credit posted as a message (a consumer without credit cells), with the buffer when it is shared.
  | { readonly k: number; readonly b: ArrayBufferLike | null };

/**
 * What a slot may get on a link: a LinkMessage, or a wake (a credit went into the channel's cells while the
 * producer's slot was parked: look at them). Wakes only pass between two worker threads of one process (a
 * link forwarded over TCP drops the cells, so its consumer never has any to wake for).
 */
export type SlotLinkMessage = LinkMessage | { readonly w: number };

const SLICE_MS = 5;
/**
 * Busy / back-pressured / idle time accounting (task-time.ts): on unless WEIR_TASK_TIME=0, which
 * exists only so that bench/web-overhead.mjs can measure what the accounting costs.
 */
const TASK_TIME = process.env['WEIR_TASK_TIME'] !== '0';
const FLUSH_INTERVAL_MS = 50;
const METRICS_INTERVAL_MS = 500;

export function graphFingerprint(graph: JobGraph): string {
  const text = graph.vertices.map((v) => `${v.index}:${v.parallelism}:${v.operators.map((o) => o.node.uid).join(',')}`).join('|');
  return createHash('sha1').update(text).digest('hex').slice(0, 16);
}

export class SlotRuntime {
  /** Slots this runtime hosts (all of them in inline mode). */
  readonly #slots: ReadonlySet<number>;
  readonly #graph: JobGraph;
  #plan: ChannelPlan;
  #diskShuffle: LocalDiskShuffle | undefined;
  readonly #host: SlotHost;
  readonly #links: Map<number, SlotLink>;
  /** The links that can be read synchronously (SlotLink.receive), resolved at deployment. */
  #pollable: SlotLink[] = [];
  readonly #jobArgs: readonly string[];
  readonly #tasks: Task[] = [];
  readonly #inputChannels = new Map<number, InputChannel>();
  readonly #outputChannels = new Map<number, OutputChannel>();
  /** Output channels to another thread with credit cells (read between task steps, armed before the slot parks). */
  readonly #sharedOutputs: OutputChannel[] = [];
  /** Input channels from another thread whose producer sent credit cells: credits go back through them, not as messages. */
  readonly #creditCells = new Map<number, Int32Array>();
  readonly #timers = new Map<Task, { time: number; handle: NodeJS.Timeout }>();
  #scheduled = false;
  #lastFlush = 0;
  #metricsTimer: NodeJS.Timeout | undefined;
  #stopHeapGuard: (() => void) | undefined;
  #failed = false;
  #closed = false;
  #started = false;
  #deployment: Deployment | undefined;

  constructor(options: { slots: Iterable<number>; graph: JobGraph; host: SlotHost; links: Map<number, SlotLink>; jobArgs: readonly string[] }) {
    this.#slots = new Set(options.slots);
    this.#graph = options.graph;
    this.#plan = buildChannelPlan(options.graph);
    this.#host = options.host;
    this.#links = options.links;
    this.#jobArgs = options.jobArgs;
  }

  /** Handles a message from another slot's thread. */
  onLinkMessage(message: SlotLinkMessage): void {
    this.#handleLinkMessage(message);
    this.wake();
  }

  #handleLinkMessage(message: SlotLinkMessage): void {
    if ('k' in message) {
      this.#outputChannels.get(message.k)?.addCredit(message.b);
    } else if ('w' in message) {
      this.#outputChannels.get(message.w)?.pollSharedCredits();
    } else if ('b' in message) {
      if (message.r !== undefined) this.#creditCells.set(message.c, new Int32Array(message.r));
      this.#inputChannels.get(message.c)?.push(message.b);
    } else {
      this.#inputChannels.get(message.c)?.push(message.e);
    }
  }

  /** Takes the messages already waiting on the links (see SlotLink.receive); returns whether there were any. */
  #pollLinks(): boolean {
    let got = false;
    for (const channel of this.#sharedOutputs) if (channel.pollSharedCredits()) got = true;
    for (const link of this.#pollable) {
      for (let i = 0; i < 64; i++) {
        const m = link.receive!();
        if (m === undefined) break;
        this.#handleLinkMessage(m);
        got = true;
      }
    }
    return got;
  }

  /** Handles a command of the TaskManager. */
  onCommand(command: ManagerToSlot): void {
    switch (command.type) {
      case 'deploy':
        void this.#deploy(command.deployment);
        return;
      case 'trigger-checkpoint':
        for (const task of this.#tasks) {
          if (command.tasks.some((t) => t.vertex === task.vertex && t.subtask === task.subtask)) {
            task.triggerCheckpoint({ type: 'barrier', checkpointId: command.checkpointId, timestamp: command.timestamp, kind: command.kind });
          }
        }
        return;
      case 'checkpoint-complete':
        for (const task of this.#tasks) task.notifyCheckpointComplete(command.checkpointId);
        return;
      case 'checkpoint-aborted':
        for (const task of this.#tasks) task.notifyCheckpointAborted(command.checkpointId);
        return;
      case 'start':
        traceStartup('slot start received');
        this.#started = true;
        this.wake();
        return;
      case 'stop-sources':
        for (const task of this.#tasks) task.stopSource(command.drain === true);
        return;
      case 'watermark-alignment':
        for (const task of this.#tasks) task.alignWatermark(command.group, command.maxWatermark);
        return;
      case 'assign-splits':
        for (const task of this.#tasks) {
          if (task.vertex === command.task.vertex && task.subtask === command.task.subtask) task.assignSplits(command.splits, command.noMoreSplits);
        }
        return;
      case 'finish':
        traceStartup('slot finish received');
        void this.#finish();
        return;
      case 'reset':
        // The thread's entry (worker-main.ts) replaces this runtime; nothing is left to do here.
        return;
    }
  }

  async #deploy(deployment: Deployment): Promise<void> {
    traceStartup('slot deploy received');
    try {
      const batch = deployment.batch;
      if (batch !== undefined && Object.keys(batch.parallelism).length > 0) {
        // BATCH, adaptive: parallelism decided at scheduling; the channels follow it.
        for (const [v, p] of Object.entries(batch.parallelism)) (this.#graph.vertices[Number(v)] as { parallelism: number }).parallelism = p;
        this.#plan = buildChannelPlan(this.#graph);
      }
      const fingerprint = graphFingerprint(this.#graph);
      if (fingerprint !== deployment.fingerprint) {
        throw new WeirError(
          'the job graph built in this worker differs from the one built by the client: building the graph must be deterministic (no randomness, time or I/O before execute())',
          { code: 'WEIR_NONDETERMINISTIC_GRAPH', fault: 'user' },
        );
      }
      this.#deployment = deployment;
      this.#pollable = [...this.#links.values()].filter((l) => l.receive !== undefined);
      const services: TaskServices = {
        wake: () => this.wake(),
        report: (m, transfer) => {
          if (m.type === 'ack') this.#log('debug', m.task, { checkpointId: m.checkpointId, syncMs: m.syncMs, asyncMs: m.asyncMs, alignmentMs: m.alignmentMs }, 'checkpoint acknowledged');
          else if (m.type === 'end-of-data') { traceStartup(`end-of-data of task ${m.task.vertex}.${m.task.subtask}`); this.#log('info', m.task, {}, 'end of input'); }
          this.#host.send(m, transfer);
        },
        writeText: (stream, text) => this.#host.writeText(stream, text),
        scheduleProcessingTime: (task, time) => this.#scheduleTimer(task, time),
        fail: (task, error) => this.#fail(error, task),
        jobArgs: this.#jobArgs,
      };
      const config = deployment.config;
      // Shuffle roles: pipelined edges through this slot's channels, BATCH blocking edges through local disk (src/batch/shuffle/).
      const pipelined = new PipelinedShuffle(this.#plan, (info) => this.#outputChannel(info, config.buffersPerChannel), (info, index) => this.#inputChannel(info, index));
      const blocking = new Set(batch?.blockingEdges ?? []);
      const disk = batch !== undefined && blocking.size > 0 ? (this.#diskShuffle = new LocalDiskShuffle(batch.shuffleDir)) : undefined;
      for (const td of deployment.tasks) {
        if (!this.#slots.has(td.subtask)) continue;
        const vertex = this.#graph.vertices[td.vertex]!;
        const inputs: InputChannel[] = [];
        const inputIndexes: number[] = [];
        for (const edge of vertex.inputs) {
          for (let producer = 0; producer < edge.source.parallelism; producer++) {
            const index = inputs.length;
            if (disk !== undefined && blocking.has(edge.index)) {
              const partition = batch!.inputs[`${edge.index}:${producer}`];
              if (partition === undefined) throw new WeirError(`internal: no partition of edge ${edge.index} from producer ${producer} given to "${vertex.name}"`, { code: 'WEIR_INTERNAL', fault: 'internal' });
              const n = partition.subpartitionBytes.length;
              inputs.push(disk.createPartitionReader({ partition, subpartitions: subpartitionsFor(n, vertex.parallelism, td.subtask), index, wake: () => this.wake() }));
            } else {
              if (!this.#plan.outputsOf(edge.index, producer).some((c) => c.consumerSubtask === td.subtask)) continue;
              inputs.push(pipelined.createPartitionReader({ partition: pipelinedPartition({ edge: edge.index, producer, attempt: deployment.attempt }), subpartitions: [td.subtask], index, wake: () => this.wake() }));
            }
            inputIndexes.push(edge.inputIndex ?? 0);
          }
        }
        const writers = new Map<number, RecordWriter>();
        for (const edge of vertex.outputs) {
          const id = { edge: edge.index, producer: td.subtask, attempt: batch?.attempt ?? deployment.attempt };
          const operatorName = vertex.operators[edge.sourceOperator]!.node.name;
          const channels = disk !== undefined && blocking.has(edge.index)
            ? disk.createPartitionWriter({ id, numSubpartitions: batch!.subpartitions[edge.index] ?? edge.target.parallelism, memoryBytes: Math.max(1 << 20, config.batch.sortMemory / 4), operatorName })
            : pipelined.createPartitionWriter({ id, numSubpartitions: edge.target.parallelism, memoryBytes: 0, operatorName });
          writers.set(edge.index, new RecordWriter({
            channels, partition: edge.partition, bufferSize: config.bufferSize, maxParallelism: config.maxParallelism,
            producerSubtask: td.subtask, operatorName: vertex.operators[edge.sourceOperator]!.node.name,
          }));
        }
        this.#tasks.push(new Task({ vertex, deployment: td, config, inputs, inputIndexes, writers, services }));
      }
      for (const task of this.#tasks) {
        await task.open();
        this.#log('info', task, { restored: deployment.tasks.find((t) => t.vertex === task.vertex && t.subtask === task.subtask)?.restore !== undefined }, 'task running');
      }
      this.#stopHeapGuard = startHeapGuard((h) => this.#fail(this.#outOfMemory(h.usedMb, h.limitMb, config.runtimeMode, config.batchKeyedInput)));
      this.#metricsTimer = setInterval(() => this.#host.send({ type: 'metrics', metrics: this.#metrics() }), METRICS_INTERVAL_MS);
      this.#metricsTimer.unref?.();
      traceStartup('slot deployed');
      for (const slot of this.#slots) this.#host.send({ type: 'deployed', slot });
    } catch (e) {
      this.#fail(e);
    }
  }

  #inputChannel(info: ChannelInfo, index: number): InputChannel {
    const producerSlot = info.producerSubtask;
    const local = this.#slots.has(producerSlot);
    const channel = new InputChannel(info.id, index, local
      ? (id, buffer) => { this.#outputChannels.get(id)!.addCredit(buffer); this.wake(); }
      // The credit carries the buffer back when it is shared (the producer encodes into it again); nothing is ever
      // transferred from a worker thread (a detach slows every typed-array access of the thread: OutputChannel).
      // With the producer's credit cells (same process), the credit is an Atomics.add, and a message only when its slot asked for one.
      : (id, buffer) => {
        const cells = this.#creditCells.get(id);
        if (cells !== undefined) {
          Atomics.add(cells, 0, 1);
          if (Atomics.load(cells, 1) !== 0 && Atomics.exchange(cells, 1, 0) !== 0) this.#links.get(producerSlot)!.postMessage({ w: id } satisfies SlotLinkMessage);
          return;
        }
        this.#links.get(producerSlot)!.postMessage({ k: id, b: buffer instanceof SharedArrayBuffer ? buffer : null } satisfies LinkMessage);
      });
    this.#inputChannels.set(info.id, channel);
    return channel;
  }

  #outputChannel(info: ChannelInfo, capacity: number): OutputChannel {
    const consumerSlot = info.consumerSubtask;
    let transport: ChannelTransport;
    if (this.#slots.has(consumerSlot)) {
      transport = {
        local: true,
        deliver: (id, item) => {
          // The consumer task may be deployed after this one: look it up at delivery.
          this.#inputChannels.get(id)!.push(item);
        },
        input: (id) => this.#inputChannels.get(id),
      };
    } else {
      const link = this.#links.get(consumerSlot);
      if (!link) throw new WeirError(`internal: no link from this slot to slot ${consumerSlot}`, { code: 'WEIR_INTERNAL', fault: 'internal' });
      let cellsSent = false;
      transport = {
        local: false,
        // Encoded into SharedArrayBuffers, posted without a transfer (OutputChannel); a plain ArrayBuffer is copied.
        shared: true,
        deliver: (id, item) => {
          if (!isEncoded(item)) link.postMessage({ c: id, e: item } satisfies LinkMessage);
          else if (cellsSent) link.postMessage({ c: id, b: item } satisfies LinkMessage);
          else {
            // The first buffer carries the credit cells. A TaskManager that forwards the link over TCP drops them,
            // and that consumer posts its credits as messages (which OutputChannel takes as well).
            cellsSent = true;
            link.postMessage({ c: id, b: item, r: channel.creditCells!.buffer as SharedArrayBuffer } satisfies LinkMessage);
          }
        },
      };
    }
    const channel = new OutputChannel(info.id, capacity, transport);
    this.#outputChannels.set(info.id, channel);
    if (channel.creditCells !== null) this.#sharedOutputs.push(channel);
    return channel;
  }

  wake(): void {
    if (this.#scheduled || this.#failed || this.#closed || !this.#started) return;
    this.#scheduled = true;
    setImmediate(this.#run);
  }

  readonly #run = (): void => {
    this.#scheduled = false;
    if (this.#failed || this.#closed) return;
    let now = performance.now();
    const deadline = now + SLICE_MS;
    const tasks = this.#tasks;
    const pollable = this.#pollable.length > 0;
    // Time accounting (task-time.ts): the gap since the slot last looked goes to each task's state then.
    if (TASK_TIME) for (const task of tasks) task.time.enter(now, task.timeState);
    let did = false;
    let round: boolean;
    do {
      round = false;
      for (const task of tasks) {
        if (task.runnable) {
          if (TASK_TIME) task.time.enter(now, BUSY);
          if (task.step()) round = did = true;
          // Links read synchronously: credits and buffers from the other threads are taken between
          // steps, not only after this slice (which would leave their producers waiting meanwhile).
          if (pollable && this.#pollLinks()) round = true;
          now = performance.now();
          if (TASK_TIME) task.time.enter(now, task.timeState);
        }
        if (this.#failed) return;
      }
      if (pollable) {
        // Nothing ran: what arrived meanwhile may make a task runnable before the slot parks.
        if (!round && this.#pollLinks()) round = true;
      } else if (round && this.#links.size > 0 && tasks.some((t) => t.waitsForCredit)) {
        // Links read only by the event loop: a task that waits for credit from another thread yields
        // now, not at the end of the slice, so the returned credit (a message) is seen promptly.
        break;
      }
    } while (round && now < deadline);
    if (TASK_TIME) for (const task of tasks) task.time.enter(now, task.timeState);
    if (!did || now - this.#lastFlush > FLUSH_INTERVAL_MS) {
      // Idle (or a while since the last flush): partial buffers go out now, for latency.
      this.#lastFlush = now;
      let sent = false;
      for (const task of this.#tasks) if (task.flushOutputs()) sent = true;
      if (sent) did = true;
    }
    if (did || this.#tasks.some((t) => t.runnable)) this.wake();
    else this.#park();
  };

  /**
   * Nothing can run: before the slot waits for a message, every channel with buffers in flight asks its
   * consumer for a wake message at the next credit (armWake); then the cells are read once more, so a
   * credit returned between the last read and the arming is not missed (both sides use sequentially
   * consistent Atomics: either the consumer sees the request, or this read sees its credit).
   */
  #park(): void {
    if (this.#sharedOutputs.length === 0) return;
    for (const channel of this.#sharedOutputs) channel.armWake();
    let got = false;
    for (const channel of this.#sharedOutputs) if (channel.pollSharedCredits()) got = true;
    if (got) this.wake();
  }

  #scheduleTimer(task: Task, time: number): void {
    const existing = this.#timers.get(task);
    if (existing && existing.time <= time) return;
    if (existing) clearTimeout(existing.handle);
    this.#armTimer(task, time);
  }

  /**
   * Node starts a timeout from the event loop's cached time, which lags the clock by however long the current
   * slice has run, so a timeout can fire before `time` by the clock the operators read (Date.now()). Such an
   * early firing re-arms for the rest instead of calling the task: an operator asked for `time`, not for earlier.
   */
  #armTimer(task: Task, time: number): void {
    const handle = setTimeout(() => {
      const now = Date.now();
      if (now < time) {
        this.#armTimer(task, time);
        return;
      }
      this.#timers.delete(task);
      task.onProcessingTime(now);
    }, Math.max(0, time - Date.now()));
    this.#timers.set(task, { time, handle });
  }

  #metrics(): TaskMetrics[] {
    const at = performance.now();
    return this.#tasks.map((t) => {
      if (TASK_TIME) t.time.enter(at, t.timeState);
      return {
        vertex: t.vertex, subtask: t.subtask, recordsIn: t.recordsIn, recordsOut: t.recordsOut, watermark: t.currentWatermark,
        inputWatermark: t.inputWatermark, outputWatermark: t.outputWatermark, bytesIn: t.bytesIn, bytesOut: t.bytesOut,
        busyMs: t.time.busyMs, backPressuredMs: t.time.backPressuredMs, idleMs: t.time.idleMs, at,
      };
    });
  }

  async #finish(): Promise<void> {
    try {
      for (const task of this.#tasks) {
        await task.close();
        this.#log('info', task, { recordsIn: task.recordsIn, recordsOut: task.recordsOut }, 'task finished');
      }
      this.#shutdown();
      traceStartup('slot finished');
      for (const slot of this.#slots) this.#host.send({ type: 'finished', slot, metrics: this.#metrics().filter((m) => m.subtask === slot) });
    } catch (e) {
      this.#fail(e);
    }
  }

  /** Stops everything at once (the job failed elsewhere, or was cancelled): no report. */
  cancel(): void {
    if (this.#closed) return;
    this.#failed = true;
    this.#shutdown();
    for (const task of this.#tasks) void task.abort();
  }

  #fail(error: unknown, task?: Task): void {
    if (this.#failed) return;
    this.#failed = true;
    this.#shutdown();
    for (const t of this.#tasks) void t.abort();
    const slot = this.#slots.values().next().value as number;
    const serialized = serializeError(error);
    if (task) this.#log('error', task, { code: serialized.code, err: { type: serialized.name, message: serialized.message, stack: serialized.stack } }, 'task failed');
    else this.#host.log?.('error', { job: this.#deployment?.jobId, attempt: this.#deployment?.attempt, slot, code: serialized.code, err: { type: serialized.name, message: serialized.message, stack: serialized.stack } }, 'slot failed');
    this.#host.send({ type: 'failed', slot, error: serialized, task: task ? { vertex: task.vertex, subtask: task.subtask } : undefined });
  }

  /** A task's log line, with job, vertex, subtask and attempt. */
  #log(level: 'error' | 'warn' | 'info' | 'debug', task: { readonly vertex: number; readonly subtask: number }, fields: Record<string, unknown>, message: string): void {
    const log = this.#host.log;
    if (log === undefined) return;
    const d = this.#deployment;
    log.call(this.#host, level, { job: d?.jobId, vertex: task.vertex, vertexName: this.#graph.vertices[task.vertex]?.name, subtask: task.subtask, attempt: d?.attempt, ...fields }, message);
  }

  /** The heap guard fired: name the task with the most keyed state and the ways out. */
  #outOfMemory(usedMb: number, limitMb: number, mode: string, keyedInput: string): OutOfMemoryError {
    let largest: Task | undefined;
    for (const t of this.#tasks) if (largest === undefined || t.keyedStateKeys > largest.keyedStateKeys) largest = t;
    const held = largest !== undefined && largest.keyedStateKeys > 0 ? ` The largest keyed state is in "${largest.name}": ${largest.keyedStateKeys} keys on the heap state backend.` : '';
    const way = mode === 'BATCH' && keyedInput !== 'grouped'
      ? 'Run with --batch-keyed-input grouped (BATCH spills grouped input to disk past --batch-sort-memory), raise the heap (node --max-old-space-size) or spread the keys over more parallelism.'
      : mode === 'BATCH'
        ? 'Lower --batch-sort-memory, raise the heap (node --max-old-space-size) or spread the keys over more parallelism.'
        : HEAP_STATE_WAYS_OUT;
    return new OutOfMemoryError(`out of memory: this thread's heap holds ${usedMb} MB of its ${limitMb} MB limit, so the job was failed before V8 would abort the process.${held} ${way}`);
  }

  #shutdown(): void {
    this.#stopHeapGuard?.();
    this.#diskShuffle?.abort();
    this.#closed = true;
    if (this.#metricsTimer) clearInterval(this.#metricsTimer);
    for (const t of this.#timers.values()) clearTimeout(t.handle);
    this.#timers.clear();
  }
}
