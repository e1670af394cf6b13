// The TaskManager role in local mode: slots inline in this thread, or one worker thread per slot.

import { MessageChannel, Worker, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import type { JobGraph } from '../graph/job-graph.ts';
import { levelEnabled, type Logger, type LogLevel } from '../core/logger.ts';
import { buildChannelPlan } from './network/channel-plan.ts';
import type { ManagerToSlot, SlotToManager } from './protocol.ts';
import type { TaskManagerGateway } from './gateway.ts';
import { traceStartup } from '../core/startup-trace.ts';
import { mapStack } from '../core/stack-map.ts';
import { startWorker } from './worker-exec-argv.ts';
import type { SerializedError } from './operator-error.ts';
import { HEAP_STATE_WAYS_OUT } from './heap-guard.ts';
import { configureSlotJit } from './slot-jit.ts';
import { SlotRuntime, type LinkMessage, type SlotLink } from './slot.ts';

export type { TaskManagerGateway } from './gateway.ts';

/** All slots in the calling thread: no bundling, no threads. For tests and plain `node job.ts` runs. */
export class InlineTaskManager implements TaskManagerGateway {
  readonly numSlots: number;
  readonly #graph: JobGraph;
  readonly #jobArgs: readonly string[];
  readonly #logger: Logger | undefined;
  readonly #slotIds: readonly number[];
  #runtime: SlotRuntime | undefined;
  #stopped = false;

  /** `slotIds`: which slots (subtask indexes) to host; default all of the graph's (BATCH regions host a subset). */
  constructor(graph: JobGraph, jobArgs: readonly string[], logger?: Logger, slotIds?: readonly number[]) {
    this.#graph = graph;
    this.#jobArgs = jobArgs;
    this.#logger = logger;
    this.#slotIds = slotIds ?? Array.from({ length: buildChannelPlan(graph).numSlots }, (_, i) => i);
    this.numSlots = this.#slotIds.length;
  }

  async start(onEvent: (event: SlotToManager) => void): Promise<void> {
    const slots = [...this.#slotIds];
    this.#runtime = new SlotRuntime({
      slots, graph: this.#graph, links: new Map(), jobArgs: this.#jobArgs,
      host: {
        // Asynchronous like a real transport, so the JobManager never re-enters itself.
        send: (m) => queueMicrotask(() => { if (!this.#stopped) onEvent(m); }),
        writeText: (stream, text) => { process[stream].write(text); },
        ...(this.#logger ? { log: (level: 'error' | 'warn' | 'info' | 'debug', fields: Record<string, unknown>, message: string) => this.#logger![level](fields, message) } : {}),
      },
    });
  }

  broadcast(command: ManagerToSlot): void {
    const runtime = this.#runtime;
    if (runtime && !this.#stopped) queueMicrotask(() => runtime.onCommand(command));
  }

  async shutdown(): Promise<void> {
    this.#stopped = true;
    this.#runtime?.cancel();
  }
}

/** Worker-thread messages besides SlotToManager. */
export type WorkerToManager =
  | SlotToManager
  | { readonly type: 'text'; readonly stream: 'stdout' | 'stderr'; readonly text: string }
  /** A task's log line (slot.ts SlotHost.log), written by the TaskManager's logger. */
  | { readonly type: 'log'; readonly level: 'error' | 'warn' | 'info' | 'debug'; readonly fields: Record<string, unknown>; readonly message: string };

export interface WorkerData {
  readonly slot: number;
  readonly numSlots: number;
  readonly links: Record<number, MessagePort>;
  readonly jobArgs: readonly string[];
  readonly defaults: unknown;
  /** Task log lines below this level are not even sent to the main thread (default: none are). */
  readonly logLevel?: LogLevel | undefined;
}

/**
 * A slot worker thread started before the job was known (bin/weir, at launch: docs/architecture.md, "Start-up"):
 * Node booted in it while the client bundled, and it imports the bundle once told to; then it waits for its slot's
 * WorkerData (`{ type: 'slot', data }`, the links transferred) on `control`. Plain JavaScript builds these objects.
 */
export interface StandbyWorker {
  readonly worker: Worker;
  readonly control: MessagePort;
  /** Set when the thread failed or exited while it waited (bin/weir's listeners saw it): it cannot take a slot. */
  readonly early: { readonly error?: Error; readonly exitCode?: number } | undefined;
  /** Removes bin/weir's listeners: the TaskManager's take over. */
  detach(): void;
}

/** Where a ThreadTaskManager takes standby threads from (one per slot, while there are any). */
export interface StandbyWorkers {
  take(): StandbyWorker | undefined;
  /** Stops the standby threads not taken: the job will not need them (an idle thread holds its heap). */
  release?(): void;
}

/** Whether a task logs `level` under the threshold (worker-main uses it before posting). */
export function taskLogEnabled(threshold: LogLevel, level: LogLevel): boolean {
  return levelEnabled(threshold, level);
}

/** One worker thread per slot; each imports the job bundle and rebuilds the graph (DESIGN §2). */
export class ThreadTaskManager implements TaskManagerGateway {
  readonly numSlots: number;
  readonly #workerScript: string;
  readonly #jobArgs: readonly string[];
  readonly #defaults: unknown;
  readonly #logger: Logger | undefined;
  readonly #logLevel: LogLevel;
  readonly #workers: Worker[] = [];
  #stopping = false;

  readonly #slotIds: readonly number[];

  /** `slotIds`: which slots (subtask indexes) get a worker; default 0..numSlots-1 (BATCH regions run a subset). */
  readonly #standby: StandbyWorkers | undefined;

  readonly #releaseStandby: boolean;

  /**
   * `standby`: threads started at launch, taken one per slot before any is started here; with `releaseStandby`
   * the ones left are stopped once this TaskManager took its own (STREAMING: every slot runs from the start).
   */
  constructor(options: { numSlots: number; workerScript: string; jobArgs: readonly string[]; defaults: unknown; logger?: Logger | undefined; logLevel?: LogLevel | undefined; slotIds?: readonly number[] | undefined; standby?: StandbyWorkers | undefined; releaseStandby?: boolean | undefined }) {
    this.#standby = options.standby;
    this.#releaseStandby = options.releaseStandby === true;
    this.#slotIds = options.slotIds ?? Array.from({ length: options.numSlots }, (_, i) => i);
    this.numSlots = this.#slotIds.length;
    this.#workerScript = options.workerScript;
    this.#jobArgs = options.jobArgs;
    this.#defaults = options.defaults;
    this.#logger = options.logger;
    this.#logLevel = options.logger ? options.logLevel ?? 'info' : 'silent';
  }

  /** Where the workers' events go; `start` again (after `reset`) rebinds it instead of starting threads. */
  #onEvent: (event: SlotToManager) => void = () => {};

  async start(onEvent: (event: SlotToManager) => void): Promise<void> {
    this.#onEvent = onEvent;
    if (this.#workers.length > 0) return; // reused after reset(): the threads run, ready for a deploy
    const dispatch = (event: SlotToManager): void => this.#onEvent(event);
    const n = this.numSlots;
    const ids = this.#slotIds;
    configureSlotJit(n);
    // links[i] are worker i's ports, keyed by the other worker's slot id.
    const links: Record<number, MessagePort>[] = Array.from({ length: n }, () => ({}));
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) {
        const { port1, port2 } = new MessageChannel();
        links[i]![ids[j]!] = port1;
        links[j]![ids[i]!] = port2;
      }
    }
    for (let w = 0; w < n; w++) {
      const slot = ids[w]!;
      const data: WorkerData = { slot, numSlots: n, links: links[w]!, jobArgs: this.#jobArgs, defaults: this.#defaults, logLevel: this.#logLevel };
      this.#workers.push(spawnSlotWorker(this.#workerScript, data, dispatch, () => this.#stopping, this.#logger, this.#standby?.take()));
    }
    if (this.#releaseStandby) this.#standby?.release?.();
  }

  broadcast(command: ManagerToSlot): void {
    for (const w of this.#workers) w.postMessage(command);
  }

  /** Every slot finished: each thread swaps in a fresh slot runtime and waits for the next deploy (events go nowhere until `start`). */
  reset(): void {
    this.#onEvent = () => {};
    this.broadcast({ type: 'reset' });
  }

  async shutdown(): Promise<void> {
    this.#stopping = true;
    traceStartup('terminating workers');
    await Promise.all(this.#workers.map((w) => w.terminate()));
    traceStartup('workers terminated');
    this.#workers.length = 0;
  }

}

/** Every slot thread of this process not yet exited (terminateSlotWorkers). */
const liveWorkers = new Set<Worker>();
/** Set by terminateSlotWorkers: the process is ending, and a thread's exit is no failure to report (no restart). */
let aborting = false;

/**
 * Stops every slot thread of this process and waits until they exited: `weir run` aborting on a signal does this
 * before process.exit, so no thread is still writing a spilled run while the exit cleanup removes them.
 */
export async function terminateSlotWorkers(): Promise<void> {
  aborting = true;
  await Promise.all([...liveWorkers].map((w) => w.terminate().catch(() => 0)));
}

/**
 * Starts the worker thread of one slot (local mode, and each TaskManager process in cluster
 * mode), or hands the slot to a `standby` thread started at launch: text goes to this process's stdout/stderr, task log
 * lines to `logger`, everything else to `onEvent`; a crash or an unexpected exit (also one of a standby thread before it
 * got its slot) becomes a `failed` event unless `stopping()` says we are tearing it down.
 */
export function spawnSlotWorker(workerScript: string, data: WorkerData, onEvent: (event: SlotToManager) => void, stopping: () => boolean, logger?: Logger, standby?: StandbyWorker): Worker {
  const slot = data.slot;
  let worker: Worker;
  if (standby !== undefined) {
    standby.detach();
    worker = standby.worker;
    worker.ref();
    const early = standby.early;
    if (early === undefined) {
      traceStartup(`standby worker takes slot ${slot}`);
      // With the environment as it is now: a fresh thread copies process.env when it starts, and the job file may have
      // set variables in this thread (before execute()) that its code in the slot threads reads.
      standby.control.postMessage({ type: 'slot', data, env: { ...process.env } }, Object.values(data.links));
    } else {
      // It died while waiting: no event will come from it any more, so say so now (as a thread that crashed).
      const why = early.error !== undefined ? `crashed: ${early.error.message}` : `exited (exit code ${early.exitCode})`;
      setImmediate(() => {
        if (stopping()) return;
        onEvent({
          type: 'failed', slot,
          error: { name: early.error?.name ?? 'WorkerExit', message: `worker thread of slot ${slot} (started at launch, before the job was ready) ${why}`, code: early.error !== undefined ? 'WEIR_WORKER_CRASHED' : 'WEIR_WORKER_EXITED', fault: 'internal', stack: early.error?.stack },
        });
      });
    }
  } else {
    traceStartup(`new Worker (slot ${slot})`);
    // This process's Node options, less those Node refuses in a worker (worker-exec-argv.ts). No --enable-source-maps
    // is added: stacks are mapped to the job file when an error is reported (core/stack-map.ts).
    worker = startWorker(workerScript, {
      workerData: data,
      transferList: Object.values(data.links),
      stdout: false,
      stderr: false,
    });
    traceStartup(`Worker constructed (slot ${slot})`);
    worker.once('online', () => traceStartup(`worker online (slot ${slot})`));
  }
  worker.on('message', (m: WorkerToManager) => {
    if (m.type === 'text') process[m.stream].write(m.text);
    else if (m.type === 'log') logger?.[m.level](m.fields, m.message);
    else onEvent(m);
  });
  worker.on('error', (e) => {
    if (stopping() || aborting) return;
    onEvent({ type: 'failed', slot, error: (e as { code?: unknown }).code === 'ERR_WORKER_OUT_OF_MEMORY' ? workerOutOfMemory(slot) : { name: e.name, message: `worker thread of slot ${slot} crashed: ${e.message}`, code: 'WEIR_WORKER_CRASHED', fault: 'internal', stack: mapStack(e.stack) } });
  });
  liveWorkers.add(worker);
  worker.on('exit', (code) => {
    liveWorkers.delete(worker);
    if (stopping() || aborting) return;
    onEvent({ type: 'failed', slot, error: { name: 'WorkerExit', message: `worker thread of slot ${slot} exited unexpectedly (exit code ${code})`, code: 'WEIR_WORKER_EXITED', fault: 'internal', stack: undefined } });
  });
  return worker;
}

/**
 * A slot's thread that reached V8's heap limit before the heap guard (runtime/heap-guard.ts) fired: Node stopped the
 * thread (ERR_WORKER_OUT_OF_MEMORY) instead of aborting the process. Reported as the guard reports it (not retried:
 * a restart would fill the same heap again), with the same ways out; the thread is gone, so it cannot name its keys.
 */
function workerOutOfMemory(slot: number): SerializedError {
  return {
    name: 'OutOfMemoryError',
    message: `out of memory: the worker thread of slot ${slot} reached its heap limit and Node stopped it. ${HEAP_STATE_WAYS_OUT}`,
    code: 'WEIR_OUT_OF_MEMORY', fault: 'user', retryable: false, stack: undefined,
  };
}

/** Wires a slot runtime (or whatever routes to the current one) to its worker's links (used by worker-main). */
export function connectLinks(runtime: Pick<SlotRuntime, 'onLinkMessage'>, ports: Record<number, MessagePort>, links: Map<number, SlotLink>): void {
  for (const [slot, port] of Object.entries(ports)) {
    port.on('message', (m: LinkMessage) => runtime.onLinkMessage(m));
    links.set(Number(slot), {
      postMessage: (m, transfer) => port.postMessage(m, transfer ?? []),
      receive: () => receiveMessageOnPort(port)?.message as LinkMessage | undefined,
    });
  }
}
