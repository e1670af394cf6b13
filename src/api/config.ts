// Execution settings of a job, their defaults (as Flink's) and their validation.

import { ConfigError } from '../core/errors.ts';

/**
 * 'exactly-once' (aligned barriers) and 'at-least-once' are Flink's modes. 'synchronous-global'
 * is a benchmark-only baseline (the stop-the-world snapshot the ABS paper compares against):
 * barriers are aligned as in exactly-once, and every source stops reading after its barrier
 * until the whole checkpoint completed or was aborted — the sources pause, every channel drains
 * up to the barrier, every task snapshots, then the sources resume. Refused unless the process
 * runs with WEIR_BENCHMARK_MODES=1 (bench/abs-experiment.mjs sets it).
 */
export type CheckpointingMode = 'exactly-once' | 'at-least-once' | 'synchronous-global';

/** The environment variable that unlocks the benchmark-only checkpointing mode 'synchronous-global'. */
export const BENCHMARK_MODES_FLAG = 'WEIR_BENCHMARK_MODES';

/** A checkpointing mode as written by a user, or a ConfigError naming `setting` (the benchmark-only mode needs its flag). */
export function checkCheckpointingMode(setting: string, value: unknown): CheckpointingMode {
  if (value === 'exactly-once' || value === 'at-least-once') return value;
  if (value === 'synchronous-global') {
    if (process.env[BENCHMARK_MODES_FLAG] === '1') return value;
    throw new ConfigError(
      `${setting} "synchronous-global" is a benchmark-only mode (the stop-the-world snapshot baseline of bench/abs-experiment.mjs): `
        + `it stops every source for the whole of each checkpoint; set ${BENCHMARK_MODES_FLAG}=1 to use it, or use "exactly-once"`,
    );
  }
  throw new ConfigError(`${setting} must be exactly-once or at-least-once, got ${JSON.stringify(value)}`);
}

/**
 * How a job runs (Flink's execution.runtime-mode): STREAMING (the default) emits results as
 * records arrive; BATCH runs a job over bounded input with batch semantics (src/batch/);
 * AUTOMATIC picks BATCH when every source is bounded, else STREAMING.
 */
export type RuntimeMode = 'STREAMING' | 'BATCH' | 'AUTOMATIC';
export const RUNTIME_MODES: readonly RuntimeMode[] = ['STREAMING', 'BATCH', 'AUTOMATIC'];

/** A runtime mode as written by a user (any case), or a ConfigError naming `setting`. */
export function checkRuntimeMode(setting: string, value: unknown): RuntimeMode {
  const v = typeof value === 'string' ? value.toUpperCase() : value;
  if (!RUNTIME_MODES.includes(v as RuntimeMode)) {
    throw new ConfigError(`${setting} must be STREAMING, BATCH or AUTOMATIC, got ${JSON.stringify(value)}`);
  }
  return v as RuntimeMode;
}

export interface CheckpointConfig {
  /** Interval in ms; 0 = checkpointing off (the default). */
  interval: number;
  mode: CheckpointingMode;
  timeout: number;
  minPauseBetweenCheckpoints: number;
  maxConcurrentCheckpoints: number;
  tolerableFailedCheckpoints: number;
  retainedCheckpoints: number;
  /** Where checkpoints go; required when interval > 0. */
  dir: string | undefined;
}

export type RestartStrategy =
  | { readonly kind: 'none' }
  | { readonly kind: 'fixed-delay'; readonly attempts: number; readonly delayMs: number }
  | { readonly kind: 'exponential-delay'; readonly initialDelayMs: number; readonly multiplier: number; readonly maxDelayMs: number; readonly maxAttempts?: number }
  | { readonly kind: 'failure-rate'; readonly maxFailuresPerInterval: number; readonly intervalMs: number; readonly delayMs: number };

export interface ExecutionConfig {
  parallelism: number;
  maxParallelism: number;
  /** Records per network buffer. */
  bufferSize: number;
  /** Buffers in flight per channel: the backpressure bound. */
  buffersPerChannel: number;
  checkpoint: CheckpointConfig;
  /** undefined = the default: none without checkpointing, exponential-delay with it. */
  restartStrategy: RestartStrategy | undefined;
  restorePath: string | undefined;
  allowNonRestoredState: boolean;
  savepointDir: string | undefined;
  /** File sinks of a fresh run add to a directory that already holds part files instead of refusing it (`--append-output`). */
  appendOutput: boolean;
  /** Periodic watermark emission interval of timestamp assigners, ms; 0 = off (Flink's default 200). */
  autoWatermarkInterval: number;
  /** STREAMING (default), BATCH or AUTOMATIC; the JobManager resolves AUTOMATIC before deploying. */
  runtimeMode: RuntimeMode;
  /** BATCH: how a keyed operator gets its input (see src/batch/keyed-input.ts and docs/batch.md). */
  batchKeyedInput: BatchKeyedInputMode;
  /** BATCH execution: spilling, exchanges, slots, adaptive parallelism (docs/batch.md). */
  batch: BatchConfig;
  /**
   * STREAMING: pre-aggregate per (key, window) before a keyBy into an event-time tumbling (or paned sliding) window whose function
   * merges (default true): the exchange carries one partial per key, window and producer instead of every
   * record (graph/window-combine.ts, docs/event-time.md).
   */
  windowCombine: boolean;
}

/** Settings of BATCH execution (src/batch/, docs/batch.md). */
export interface BatchConfig {
  /** 'grouped' keyed input: estimated bytes of held input per task past which it spills a sorted run to disk (default 64 MiB). */
  sortMemory: number;
  /** Where spilled runs and blocking partitions go (default: the OS temp directory). */
  spillDir: string | undefined;
  /** Exchange at all-to-all edges: 'blocking' (default, as Flink's BATCH: written to disk, read after the producer finished) or 'pipelined'. */
  exchange: 'blocking' | 'pipelined';
  /** Slots the region scheduler may use at once; undefined = as many as the widest region needs. */
  slots: number | undefined;
  /**
   * Pre-aggregate per key before a keyBy into reduce/sum/min/max/minBy/maxBy (default true): the
   * exchange carries one partial value per key and producer instead of every record (src/batch/combiner.ts).
   */
  combine: boolean;
  /** Adaptive parallelism (`--parallelism auto`): vertices without a parallelism of their own get one from their input bytes. */
  adaptive: AdaptiveBatchConfig;
}

export interface AdaptiveBatchConfig {
  enabled: boolean;
  /** Input bytes per task the parallelism aims at (default 16 MiB, as Flink). */
  bytesPerTask: number;
  minParallelism: number;
  /** Default: the job's parallelism setting when above 1, else 8; never above maxParallelism. */
  maxParallelism: number | undefined;
}

/**
 * BATCH keyed input: 'state' (the default) hands records to the operator as they come, with every
 * key's state in the heap backend, and emits final values at end of input; 'grouped' collects
 * the input per key and feeds it key by key with one key's state at a time.
 */
export type BatchKeyedInputMode = 'state' | 'grouped';

export function checkBatchKeyedInput(setting: string, value: unknown): BatchKeyedInputMode {
  if (value !== 'state' && value !== 'grouped') throw new ConfigError(`${setting} must be "state" or "grouped", got ${JSON.stringify(value)}`);
  return value;
}

export const DEFAULT_MAX_PARALLELISM = 128;

export function defaultExecutionConfig(): ExecutionConfig {
  return {
    parallelism: 1,
    maxParallelism: DEFAULT_MAX_PARALLELISM,
    bufferSize: 1024,
    buffersPerChannel: 8,
    checkpoint: {
      interval: 0,
      mode: 'exactly-once',
      timeout: 10 * 60_000,
      minPauseBetweenCheckpoints: 0,
      maxConcurrentCheckpoints: 1,
      tolerableFailedCheckpoints: 0,
      retainedCheckpoints: 1,
      dir: undefined,
    },
    restartStrategy: undefined,
    restorePath: undefined,
    allowNonRestoredState: false,
    savepointDir: undefined,
    appendOutput: false,
    autoWatermarkInterval: 200,
    runtimeMode: 'STREAMING',
    batchKeyedInput: 'state',
    batch: {
      sortMemory: 64 * 1024 * 1024,
      spillDir: undefined,
      exchange: 'blocking',
      slots: undefined,
      combine: true,
      adaptive: { enabled: false, bytesPerTask: 16 * 1024 * 1024, minParallelism: 1, maxParallelism: undefined },
    },
    windowCombine: true,
  };
}

/**
 * The restart strategy when none is set: none without checkpointing (as Flink). With
 * checkpointing, an unbounded job retries forever with exponential back-off (1 s × 1.5 up to
 * 60 s, as Flink's default); a bounded job — one that is expected to end — gives up after 3
 * restarts (1 s, 2 s, 4 s), so a failure that repeats on every attempt ends the run within
 * seconds with exit ≠ 0 instead of hiding from a supervisor.
 */
export function effectiveRestartStrategy(config: ExecutionConfig, bounded = false): RestartStrategy {
  if (config.restartStrategy) return config.restartStrategy;
  if (config.checkpoint.interval === 0) return { kind: 'none' };
  return bounded
    ? { kind: 'exponential-delay', initialDelayMs: 1000, multiplier: 2, maxDelayMs: 60_000, maxAttempts: 3 }
    : { kind: 'exponential-delay', initialDelayMs: 1000, multiplier: 1.5, maxDelayMs: 60_000 };
}

/** The strategy in words, for the message that says it gave up. */
export function describeRestartStrategy(s: RestartStrategy): string {
  switch (s.kind) {
    case 'none': return 'none (no restarts)';
    case 'fixed-delay': return `fixed-delay (${s.attempts} attempts, ${s.delayMs} ms apart)`;
    case 'exponential-delay': return `exponential-delay (${s.maxAttempts === undefined ? 'unlimited attempts' : `at most ${s.maxAttempts} attempts`}, ${s.initialDelayMs} ms × ${s.multiplier} up to ${s.maxDelayMs} ms)`;
    case 'failure-rate': return `failure-rate (at most ${s.maxFailuresPerInterval} failures per ${s.intervalMs} ms)`;
  }
}

/** Rejects keys of an options object that the API does not know, naming the key and where. */
export function checkKnownKeys(where: string, options: object | undefined, known: readonly string[]): void {
  if (options === undefined) return;
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) {
      throw new ConfigError(`${where}: unknown option "${key}" (known: ${known.join(', ')})`);
    }
  }
}

export function checkPositiveInt(setting: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new ConfigError(`${setting} must be an integer ≥ 1, got ${String(value)}`);
  }
  return value;
}

export function checkNonNegative(setting: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new ConfigError(`${setting} must be a number ≥ 0, got ${String(value)}`);
  }
  return value;
}
