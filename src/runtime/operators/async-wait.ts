// asyncWait: async I/O per record — at most `capacity` requests in flight, ordered or unordered emission (watermarks never overtaken), timeouts, retries; the inputs of unfinished requests are operator state.

import { WeirError } from '../../core/errors.ts';
import type { AsyncFunctionObject, AsyncRetryStrategy, AsyncWaitSpec, ResultFuture } from '../../api/async-data-stream.ts';
import { ListStateDescriptor, type ListState } from '../../state/index.ts';
import { StreamOperator } from '../operator.ts';
import { attribute, type OperatorInfo } from '../operator-error.ts';
import { closeFunction, openFunction } from './runtime-context.ts';

/** One checkpointed input: what is issued again after a restore. */
interface StoredInput {
  readonly value: unknown;
  readonly timestamp: number;
}

type EntryState = 'running' | 'retry-wait' | 'done';

/** One request: its input, attempts, deadline, and results once done. Lives until its results are emitted. */
class Entry {
  readonly value: unknown;
  readonly timestamp: number;
  /** Attempts started; a completion of an older attempt (or after a timeout) is ignored. */
  attempt = 0;
  state: EntryState = 'running';
  results: readonly unknown[] = [];
  deadline: number;
  retryAt = Number.POSITIVE_INFINITY;
  /** Unordered mode: the segment (between two watermarks) it belongs to. */
  segment: Segment | undefined;
  constructor(value: unknown, timestamp: number, deadline: number) {
    this.value = value;
    this.timestamp = timestamp;
    this.deadline = deadline;
  }
}

/** The ResultFuture of one attempt: completions of a superseded attempt are dropped. */
class AttemptFuture implements ResultFuture<unknown> {
  readonly #op: AsyncWaitOperator;
  readonly #entry: Entry;
  readonly #attempt: number;
  readonly #final: boolean;
  constructor(op: AsyncWaitOperator, entry: Entry, attempt: number, final: boolean) {
    this.#op = op;
    this.#entry = entry;
    this.#attempt = attempt;
    this.#final = final;
  }
  complete(results: Iterable<unknown>): void {
    this.#op.settle(this.#entry, this.#attempt, this.#final, true, results);
  }
  completeExceptionally(error: unknown): void {
    this.#op.settle(this.#entry, this.#attempt, this.#final, false, error);
  }
}

/** Unordered mode: the records between two watermarks; `watermark` (NaN for the newest segment) follows them. */
interface Segment {
  open: number;
  readonly ready: Entry[];
  watermark: number;
}

const isThenable = (v: unknown): v is PromiseLike<unknown> =>
  v !== null && (typeof v === 'object' || typeof v === 'function') && typeof (v as { then?: unknown }).then === 'function';

/**
 * Flow: a record starts a request at once if fewer than `capacity` requests are unfinished,
 * else it waits (not invoked) in a backlog, and `inputBlocked()` makes the task stop pulling
 * input; so the backlog holds at most what the task had already taken (one buffer). A
 * completion that arrives from the event loop queues one mailbox action (`context.enqueue`)
 * that emits what became emittable and starts backlog requests: results enter the chain
 * between buffers, never concurrently with it. A completion inside an operator call (a
 * synchronous cache hit) is emitted before that call returns, with no promise. While
 * `finish()` waits for the last requests the task is paused on it, so completions are emitted
 * from their callbacks directly and timeouts use a timer of the operator's own.
 */
export class AsyncWaitOperator extends StreamOperator {
  readonly #spec: AsyncWaitSpec;
  readonly #invoke: (entry: Entry, future: AttemptFuture) => unknown;
  readonly #timeoutFn: ((input: unknown, future: ResultFuture<unknown>) => void) | undefined;
  readonly #retry: AsyncRetryStrategy | undefined;
  /** Every request whose results were not emitted yet, in input order. */
  readonly #entries = new Set<Entry>();
  /** Ordered mode: entries and watermarks (numbers) in input order, from #head. */
  #fifo: (Entry | number)[] = [];
  #head = 0;
  /** Unordered mode: the oldest segment first. */
  readonly #segments: Segment[] = [{ open: 0, ready: [], watermark: Number.NaN }];
  /** Inputs (and watermarks) waiting for capacity, from #backlogHead. */
  #backlog: (StoredInput | number)[] = [];
  #backlogHead = 0;
  #state!: ListState<StoredInput>;
  #info!: OperatorInfo;
  #inCall = false;
  #needsDrain = false;
  #drainQueued = false;
  #failure: Error | undefined;
  #wakeAt = Number.POSITIVE_INFINITY;
  #finishing = false;
  #finished: { resolve: () => void; reject: (e: unknown) => void } | undefined;
  #ownTimer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(spec: AsyncWaitSpec) {
    super();
    this.#spec = spec;
    this.#retry = spec.retry;
    const fn = spec.fn;
    if (typeof fn === 'function') {
      const call = fn as (input: unknown) => unknown;
      this.#invoke = (entry, future) => {
        const r = call(entry.value);
        if (isThenable(r)) r.then((v) => future.complete([v]), (e: unknown) => future.completeExceptionally(e));
        else future.complete([r]);
        return undefined;
      };
      this.#timeoutFn = undefined;
    } else {
      const obj = fn as AsyncFunctionObject<unknown, unknown>;
      this.#invoke = (entry, future) => {
        const r = obj.asyncInvoke(entry.value, future);
        if (isThenable(r)) {
          r.then((v) => { if (v !== undefined) future.complete(v as Iterable<unknown>); }, (e: unknown) => future.completeExceptionally(e));
        }
        return undefined;
      };
      this.#timeoutFn = typeof obj.timeout === 'function' ? (input, future) => obj.timeout!(input, future) : undefined;
    }
  }

  /** Requests started and not emitted yet (≤ capacity). */
  get inFlight(): number {
    return this.#entries.size;
  }

  override async open(): Promise<void> {
    const ctx = this.context;
    this.#info = { name: ctx.operatorName, uid: ctx.uid, subtaskIndex: ctx.subtaskIndex, parallelism: ctx.parallelism };
    this.#state = ctx.operatorState.getListState(new ListStateDescriptor<StoredInput>('async-wait-inputs'));
    await openFunction(this.#spec.fn, ctx);
    const restored = [...this.#state.get()];
    this.#state.clear();
    if (restored.length === 0) return;
    // Issue the checkpointed requests again; their results are emitted once the task runs.
    this.#inCall = true;
    try {
      for (const item of restored) this.#accept(item.value, item.timestamp);
    } finally {
      this.#inCall = false;
    }
    if (this.#needsDrain) { this.#needsDrain = false; this.#queueDrain(); }
  }

  override inputBlocked(): boolean {
    return this.#backlogHead < this.#backlog.length || this.#entries.size >= this.#spec.capacity;
  }

  processElement(record: unknown): void {
    this.#guarded(() => this.#accept(record, this.context.element.timestamp));
  }

  override processWatermark(timestamp: number): void {
    this.#guarded(() => {
      if (this.#backlogHead < this.#backlog.length) this.#backlog.push(timestamp);
      else this.#addWatermark(timestamp);
    });
  }

  override onProcessingTime(now: number): void {
    if (now < this.#wakeAt) {
      // Another operator's callback (the task keeps one timer): ask again for ours.
      if (this.#wakeAt !== Number.POSITIVE_INFINITY) this.context.scheduleProcessingTime(this.#wakeAt);
      return;
    }
    this.#wakeAt = Number.POSITIVE_INFINITY;
    this.#guarded(() => {
      let next = Number.POSITIVE_INFINITY;
      for (const e of this.#entries) {
        if (e.state === 'done') continue;
        if (e.deadline <= now) this.#timeout(e);
        else if (e.state === 'retry-wait' && e.retryAt <= now) this.#start(e);
        if ((e.state as EntryState) === 'done') continue;
        next = Math.min(next, e.deadline, e.state === 'retry-wait' ? e.retryAt : Number.POSITIVE_INFINITY);
      }
      this.#schedule(next);
    });
  }

  override snapshotState(_checkpointId: number): void {
    const items: StoredInput[] = [];
    for (const e of this.#entries) items.push({ value: e.value, timestamp: e.timestamp });
    for (let i = this.#backlogHead; i < this.#backlog.length; i++) {
      const b = this.#backlog[i]!;
      if (typeof b !== 'number') items.push(b);
    }
    this.#state.update(items);
  }

  override finish(): void | Promise<void> {
    this.#finishing = true;
    this.#guarded(() => { this.#needsDrain = true; });
    if (this.#empty()) return;
    return new Promise<void>((resolve, reject) => {
      this.#finished = { resolve, reject };
      this.#armOwnTimer();
    });
  }

  override close(): void | Promise<void> {
    this.#closed = true;
    if (this.#ownTimer) clearTimeout(this.#ownTimer);
    return closeFunction(this.#spec.fn);
  }

  /** Called by AttemptFuture: the outcome of one attempt (or of the timeout handler when `final`). */
  settle(entry: Entry, attempt: number, final: boolean, ok: boolean, value: unknown): void {
    if (this.#closed || entry.state !== 'running' || attempt !== entry.attempt) return;
    let results: unknown[] = [];
    let error: unknown;
    if (ok) {
      try {
        results = Array.from(value as Iterable<unknown>);
      } catch {
        ok = false;
        error = new WeirError('ResultFuture.complete() needs an iterable of results (an array)', { code: 'WEIR_ASYNC_RESULT', fault: 'user' });
      }
    } else {
      error = value;
    }
    const retry = this.#retry;
    if (!final && retry !== undefined && entry.attempt < retry.maxAttempts) {
      let again = false;
      try {
        again = ok ? retry.retryOnResult?.(results) === true : retry.retryOnException?.(error) === true;
      } catch (e) {
        ok = false;
        error = e;
      }
      if (again) {
        entry.state = 'retry-wait';
        entry.retryAt = this.context.currentProcessingTime() + retry.backoff(entry.attempt);
        this.#schedule(entry.retryAt);
        return;
      }
    }
    if (!ok) {
      this.#failure ??= attribute(error, this.#info, { value: entry.value });
    }
    entry.state = 'done';
    entry.results = results;
    if (entry.segment !== undefined) {
      entry.segment.open--;
      entry.segment.ready.push(entry);
    }
    this.#needsDrain = true;
    if (this.#inCall) return;
    if (this.#finishing) {
      try {
        this.#guarded(() => {});
      } catch (e) {
        this.#finished?.reject(e);
      }
    } else {
      this.#queueDrain();
    }
  }

  // ---- internals ----

  #queueDrain(): void {
    if (this.#drainQueued) return;
    this.#drainQueued = true;
    this.context.enqueue(this.#drainAction);
  }

  readonly #drainAction = (): void => {
    this.#drainQueued = false;
    if (this.#closed) return;
    this.#guarded(() => { this.#needsDrain = true; });
  };

  /**
   * Runs an operator call; completions inside it only mark the queue, and the results they
   * made emittable leave before it returns. The chain's current timestamp is restored after,
   * since emitted results carry their own input's timestamp.
   */
  #guarded(body: () => void): void {
    if (this.#inCall) { body(); return; }
    this.#inCall = true;
    const element = this.context.element;
    const saved = element.timestamp;
    try {
      body();
      while (this.#needsDrain) {
        this.#needsDrain = false;
        this.#drainOnce();
      }
    } catch (e) {
      // While finishing, the task waits on finish(): it fails with the error too.
      if (this.#finished !== undefined) { this.#finished.reject(e); this.#finished = undefined; }
      throw e;
    } finally {
      this.#inCall = false;
      element.timestamp = saved;
    }
    if (this.#finished !== undefined && this.#empty()) {
      const f = this.#finished;
      this.#finished = undefined;
      if (this.#ownTimer) clearTimeout(this.#ownTimer);
      f.resolve();
    }
  }

  #drainOnce(): void {
    if (this.#failure) throw this.#failure;
    if (this.#spec.ordered) {
      const fifo = this.#fifo;
      while (this.#head < fifo.length) {
        const item = fifo[this.#head]!;
        if (typeof item === 'number') {
          this.output.emitWatermark(item);
        } else {
          if (item.state !== 'done') break;
          this.#emit(item);
        }
        fifo[this.#head++] = 0;
      }
      if (this.#head === fifo.length) { this.#fifo = []; this.#head = 0; }
    } else {
      const segments = this.#segments;
      for (;;) {
        const first = segments[0]!;
        for (const e of first.ready) this.#emit(e);
        first.ready.length = 0;
        if (first.open > 0 || segments.length === 1) break;
        this.output.emitWatermark(first.watermark);
        segments.shift();
      }
    }
    // Capacity freed: start what waited (watermarks pass in their place).
    const backlog = this.#backlog;
    while (this.#backlogHead < backlog.length) {
      const item = backlog[this.#backlogHead]!;
      if (typeof item === 'number') this.#addWatermark(item);
      else if (this.#entries.size < this.#spec.capacity) this.#start(this.#newEntry(item.value, item.timestamp));
      else break;
      backlog[this.#backlogHead++] = 0;
    }
    if (this.#backlogHead === backlog.length && backlog.length > 0) { this.#backlog = []; this.#backlogHead = 0; }
    if (this.#failure) throw this.#failure;
  }

  #emit(entry: Entry): void {
    this.#entries.delete(entry);
    this.context.element.timestamp = entry.timestamp;
    for (const r of entry.results) this.output.collect(r);
  }

  #accept(value: unknown, timestamp: number): void {
    if (this.#backlogHead < this.#backlog.length || this.#entries.size >= this.#spec.capacity) {
      this.#backlog.push({ value, timestamp });
      return;
    }
    this.#start(this.#newEntry(value, timestamp));
  }

  #newEntry(value: unknown, timestamp: number): Entry {
    const timeout = this.#spec.timeoutMs;
    const deadline = timeout === Number.POSITIVE_INFINITY ? timeout : this.context.currentProcessingTime() + timeout;
    const entry = new Entry(value, timestamp, deadline);
    this.#entries.add(entry);
    if (this.#spec.ordered) {
      this.#fifo.push(entry);
    } else {
      const current = this.#segments[this.#segments.length - 1]!;
      current.open++;
      entry.segment = current;
    }
    this.#schedule(deadline);
    return entry;
  }

  /** Starts an attempt; a synchronous throw counts as a failed attempt (retry predicates apply). */
  #start(entry: Entry): void {
    entry.state = 'running';
    entry.retryAt = Number.POSITIVE_INFINITY;
    const future = new AttemptFuture(this, entry, ++entry.attempt, false);
    try {
      this.#invoke(entry, future);
    } catch (e) {
      future.completeExceptionally(e);
    }
  }

  #timeout(entry: Entry): void {
    const attempt = ++entry.attempt;
    entry.state = 'running';
    const future = new AttemptFuture(this, entry, attempt, true);
    const ms = this.#spec.timeoutMs;
    if (this.#timeoutFn === undefined) {
      future.completeExceptionally(new WeirError(`async request timed out after ${ms} ms (${attempt - 1} attempt${attempt === 2 ? '' : 's'}); override timeout(input, resultFuture) to emit a fallback instead`, {
        code: 'WEIR_ASYNC_TIMEOUT', fault: 'external', retryable: true,
      }));
      return;
    }
    try {
      this.#timeoutFn(entry.value, future);
    } catch (e) {
      future.completeExceptionally(e);
    }
    if ((entry.state as EntryState) !== 'done') {
      future.completeExceptionally(new WeirError('timeout(input, resultFuture) must complete the ResultFuture (complete or completeExceptionally) before it returns', {
        code: 'WEIR_ASYNC_TIMEOUT', fault: 'user',
      }));
    }
  }

  #addWatermark(timestamp: number): void {
    if (this.#spec.ordered) {
      if (this.#head === this.#fifo.length) this.output.emitWatermark(timestamp);
      else this.#fifo.push(timestamp);
      return;
    }
    const segments = this.#segments;
    const current = segments[segments.length - 1]!;
    if (segments.length === 1 && current.open === 0 && current.ready.length === 0) {
      this.output.emitWatermark(timestamp);
      return;
    }
    current.watermark = timestamp;
    segments.push({ open: 0, ready: [], watermark: Number.NaN });
  }

  #empty(): boolean {
    return this.#entries.size === 0 && this.#backlogHead === this.#backlog.length && this.#head === this.#fifo.length && this.#segments.length === 1;
  }

  /** Asks for a processing-time callback at `time` unless an earlier one is pending. */
  #schedule(time: number): void {
    if (!(time < this.#wakeAt)) return;
    this.#wakeAt = time;
    this.context.scheduleProcessingTime(time);
    if (this.#finishing) this.#armOwnTimer();
  }

  /** During finish() the task waits on this operator and delivers no callbacks: a timer of its own. */
  #armOwnTimer(): void {
    if (this.#ownTimer) clearTimeout(this.#ownTimer);
    this.#ownTimer = undefined;
    if (this.#wakeAt === Number.POSITIVE_INFINITY || this.#closed) return;
    const delay = Math.max(0, this.#wakeAt - this.context.currentProcessingTime());
    this.#ownTimer = setTimeout(() => {
      this.#ownTimer = undefined;
      try {
        this.onProcessingTime(this.context.currentProcessingTime());
      } catch (e) {
        this.#finished?.reject(e);
        return;
      }
      if (this.#finished !== undefined) this.#armOwnTimer();
    }, delay);
    this.#ownTimer.unref?.();
  }
}
