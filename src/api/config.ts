// Execution settings of a job, their defaults (as Flink's) and their validation.

import { ConfigError } from '../core/errors.ts';

export type CheckpointingMode = 'exactly-once' | 'at-least-once';

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
}

export const DEFAULT_MAX_PARALLELISM = 128;

export function defaultExecutionConfig(): ExecutionConfig {
  return {
    parallelism: 1,
    maxParallelism: DEFAULT_MAX_PARALLELISM,
    bufferSize: 1024,
    buffersPerChannel: 4,
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
  };
}

export function effectiveRestartStrategy(config: ExecutionConfig): RestartStrategy {
  if (config.restartStrategy) return config.restartStrategy;
  return config.checkpoint.interval > 0
    ? { kind: 'exponential-delay', initialDelayMs: 1000, multiplier: 1.5, maxDelayMs: 60_000 }
    : { kind: 'none' };
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
