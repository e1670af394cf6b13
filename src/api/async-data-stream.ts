// AsyncDataStream: calls an asynchronous function per record (I/O: HTTP, a database) with a bounded number of requests in flight, ordered or unordered results, timeouts and retries.

import { ConfigError } from '../core/errors.ts';
import { checkPositiveInt } from './config.ts';
import { DataStream } from './data-stream.ts';
import type { RichFunction } from './functions.ts';

/** How an async function hands over its results: once, with zero or more records, or with an error. Later calls are ignored. */
export interface ResultFuture<O> {
  complete(results: Iterable<O>): void;
  completeExceptionally(error: unknown): void;
}

/**
 * The object shape (Flink's): `asyncInvoke` starts the request and completes `resultFuture`
 * later, or at once (a cache hit costs no promise). It may instead return a promise of the
 * results (an `async` method): a resolved iterable completes the future, a rejection fails it.
 * `timeout` is called when a request (all its attempts) took longer than the timeout; the
 * default fails the job, an override may complete the future with a fallback.
 */
export interface AsyncFunctionObject<I, O> extends RichFunction {
  asyncInvoke(input: I, resultFuture: ResultFuture<O>): void | PromiseLike<Iterable<O> | void>;
  timeout?(input: I, resultFuture: ResultFuture<O>): void;
}

/**
 * An async function: the plain shape `(input) => Promise<O> | O` gives exactly one result per
 * input (the common enrichment case; a non-promise value completes at once, without a promise);
 * the object shape gives any number and can override `timeout`.
 */
export type AsyncFunction<I, O> = ((input: I) => PromiseLike<O> | O) | AsyncFunctionObject<I, O>;

/** Whether a request is tried again: when the results or the error match the strategy's predicates, up to `maxAttempts` invocations in all. */
export interface AsyncRetryStrategy<O = unknown> {
  /** Invocations in all, the first one included (1 = no retry). */
  readonly maxAttempts: number;
  /** Delay (ms) before attempt `attempt + 1`, after attempt `attempt` (1-based) failed. */
  backoff(attempt: number): number;
  /** Retry when the results match (e.g. empty); past maxAttempts the last results are emitted. */
  readonly retryOnResult: ((results: readonly O[]) => boolean) | undefined;
  /** Retry when the error matches; past maxAttempts the job fails with the last error. */
  readonly retryOnException: ((error: unknown) => boolean) | undefined;
}

/** Ready-made predicates for `ifResult` / `ifException`. */
export const RetryPredicates = {
  EMPTY_RESULT: (results: readonly unknown[]): boolean => results.length === 0,
  HAS_EXCEPTION: (_error: unknown): boolean => true,
} as const;

class RetryStrategyBuilder<O> {
  readonly #maxAttempts: number;
  readonly #backoff: (attempt: number) => number;
  #onResult: ((results: readonly O[]) => boolean) | undefined;
  #onException: ((error: unknown) => boolean) | undefined;

  constructor(maxAttempts: number, backoff: (attempt: number) => number) {
    this.#maxAttempts = maxAttempts;
    this.#backoff = backoff;
  }

  ifResult(predicate: (results: readonly O[]) => boolean): this {
    if (typeof predicate !== 'function') throw new ConfigError('AsyncRetryStrategy.ifResult needs a predicate (results) => boolean');
    this.#onResult = predicate;
    return this;
  }

  ifException(predicate: (error: unknown) => boolean): this {
    if (typeof predicate !== 'function') throw new ConfigError('AsyncRetryStrategy.ifException needs a predicate (error) => boolean');
    this.#onException = predicate;
    return this;
  }

  build(): AsyncRetryStrategy<O> {
    if (this.#onResult === undefined && this.#onException === undefined) {
      throw new ConfigError('AsyncRetryStrategy: give ifResult(...) and/or ifException(...) (e.g. RetryPredicates.HAS_EXCEPTION), else nothing is ever retried');
    }
    return { maxAttempts: this.#maxAttempts, backoff: this.#backoff, retryOnResult: this.#onResult, retryOnException: this.#onException };
  }
}

function checkDelay(what: string, ms: number): number {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) throw new ConfigError(`${what} must be a finite number of ms >= 0, got ${String(ms)}`);
  return ms;
}

/** Builders of retry strategies. */
export const AsyncRetryStrategies = {
  /** The same delay before every retry. */
  fixedDelay<O = unknown>(maxAttempts: number, delayMs: number): RetryStrategyBuilder<O> {
    const attempts = checkPositiveInt('fixedDelay maxAttempts', maxAttempts);
    const delay = checkDelay('fixedDelay delay', delayMs);
    return new RetryStrategyBuilder<O>(attempts, () => delay);
  },
  /** initialDelay, then × multiplier per retry, capped at maxDelay. */
  exponentialBackoff<O = unknown>(maxAttempts: number, initialDelayMs: number, maxDelayMs: number, multiplier = 2): RetryStrategyBuilder<O> {
    const attempts = checkPositiveInt('exponentialBackoff maxAttempts', maxAttempts);
    const initial = checkDelay('exponentialBackoff initialDelay', initialDelayMs);
    const max = checkDelay('exponentialBackoff maxDelay', maxDelayMs);
    if (max < initial) throw new ConfigError(`exponentialBackoff: maxDelay (${max}) must be >= initialDelay (${initial})`);
    if (typeof multiplier !== 'number' || !(multiplier >= 1) || !Number.isFinite(multiplier)) throw new ConfigError(`exponentialBackoff multiplier must be a number >= 1, got ${String(multiplier)}`);
    return new RetryStrategyBuilder<O>(attempts, (attempt) => Math.min(max, initial * multiplier ** (attempt - 1)));
  },
};

/** What the runtime's async operator is given (OperatorSpec kind 'asyncWait'). */
export interface AsyncWaitSpec {
  readonly fn: AsyncFunction<unknown, unknown>;
  readonly ordered: boolean;
  readonly timeoutMs: number;
  readonly capacity: number;
  readonly retry: AsyncRetryStrategy | undefined;
}

/** Default number of requests in flight per subtask (Flink's default too). */
export const DEFAULT_ASYNC_CAPACITY = 100;

function asyncWait<I, O>(
  stream: DataStream<I>, fn: AsyncFunction<I, O>, timeoutMs: number, capacity: number, ordered: boolean, retry: AsyncRetryStrategy<O> | undefined,
): DataStream<O> {
  const name = ordered ? 'Async Wait (ordered)' : 'Async Wait (unordered)';
  if (!(stream instanceof DataStream)) throw new ConfigError(`${name}: the first argument must be a DataStream`);
  if (typeof fn !== 'function' && typeof (fn as AsyncFunctionObject<I, O> | undefined)?.asyncInvoke !== 'function') {
    throw new ConfigError(`${name}: needs a function (input) => Promise<result>, or an object with asyncInvoke(input, resultFuture)`);
  }
  if (typeof timeoutMs !== 'number' || !(timeoutMs > 0)) throw new ConfigError(`${name}: timeout must be a number of ms > 0 (Infinity for none), got ${String(timeoutMs)}`);
  const cap = checkPositiveInt(`${name} capacity`, capacity);
  if (retry !== undefined && (typeof retry.backoff !== 'function' || !Number.isInteger(retry.maxAttempts) || retry.maxAttempts < 1)) {
    throw new ConfigError(`${name}: the retry strategy must come from AsyncRetryStrategies.fixedDelay(...) / exponentialBackoff(...).build()`);
  }
  const spec: AsyncWaitSpec = { fn: fn as AsyncFunction<unknown, unknown>, ordered, timeoutMs, capacity: cap, retry: retry as AsyncRetryStrategy | undefined };
  const t = stream.environment.addTransformation({ type: 'operator', name, inputs: [stream.transformation], spec: { kind: 'asyncWait', async: spec } });
  return new DataStream<O>(stream.environment, t);
}

/**
 * Async I/O on a stream. At most `capacity` requests per subtask are in flight: past it the
 * task stops pulling input until one completes. Requests in flight are checkpointed (their
 * inputs, as operator state) and issued again after a restore. Watermarks are barriers for
 * reordering: an unordered result never overtakes a watermark, nor a watermark a result.
 */
export const AsyncDataStream = {
  /** Results as they arrive (between two watermarks). */
  unorderedWait<I, O>(stream: DataStream<I>, fn: AsyncFunction<I, O>, timeoutMs: number, capacity = DEFAULT_ASYNC_CAPACITY): DataStream<O> {
    return asyncWait(stream, fn, timeoutMs, capacity, false, undefined);
  },
  /** Results in the order of the inputs. */
  orderedWait<I, O>(stream: DataStream<I>, fn: AsyncFunction<I, O>, timeoutMs: number, capacity = DEFAULT_ASYNC_CAPACITY): DataStream<O> {
    return asyncWait(stream, fn, timeoutMs, capacity, true, undefined);
  },
  /** unorderedWait, retrying as `retry` says; `timeoutMs` covers all the attempts of a request. */
  unorderedWaitWithRetry<I, O>(stream: DataStream<I>, fn: AsyncFunction<I, O>, timeoutMs: number, capacity: number, retry: AsyncRetryStrategy<O>): DataStream<O> {
    return asyncWait(stream, fn, timeoutMs, capacity, false, retry);
  },
  /** orderedWait, retrying as `retry` says; `timeoutMs` covers all the attempts of a request. */
  orderedWaitWithRetry<I, O>(stream: DataStream<I>, fn: AsyncFunction<I, O>, timeoutMs: number, capacity: number, retry: AsyncRetryStrategy<O>): DataStream<O> {
    return asyncWait(stream, fn, timeoutMs, capacity, true, retry);
  },
};
