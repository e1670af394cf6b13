// How a job file learns how it was launched: by `weir run` (client or worker role) or by plain node (inline).

import type { ExecutionConfig } from './config.ts';
import type { StreamExecutionEnvironment } from './environment.ts';
import type { BatchSettings } from '../batch/config.ts';
import type { BatchRunStats } from '../batch/scheduler.ts';

/** What `execute()` returns. */
export interface JobResult {
  readonly jobName: string;
  readonly wallTimeMs: number;
  /** Records gathered by collect sinks, by their transformation id. */
  readonly collected: Map<number, unknown[]>;
  /** Records that entered each operator chain (vertex name → count). */
  readonly recordsIn: Record<string, number>;
  readonly recordsOut: Record<string, number>;
  readonly restarts: number;
  readonly completedCheckpoints: number;
  /** Medians over the completed checkpoints (ms): end to end, and per task ack the sync part, async part and alignment. */
  readonly checkpointStats?: {
    readonly durationMs: number; readonly syncMs: number; readonly asyncMs: number; readonly alignmentMs: number;
    /** Per checkpoint, the task threads' time spent on it, summed over tasks (sync part + serialization slices): what ABS takes from records. */
    readonly taskWorkMs?: number;
  } | undefined;
  readonly savepointPath?: string | undefined;
  /** BATCH: regions and their attempts, task attempts, slots used, the parallelism each vertex ran at. */
  readonly batch?: BatchRunStats;
}

/** Runs a built environment. Installed by `src/index.ts` (inline) and by the launcher (`weir run`). */
export type JobExecutor = (env: StreamExecutionEnvironment, jobName: string) => Promise<JobResult>;

export interface LaunchContext {
  /** Overrides of the defaults coming from the command line (e.g. --parallelism). */
  readonly defaults: Partial<Omit<ExecutionConfig, 'batch'>> & { checkpoint?: Partial<ExecutionConfig['checkpoint']>; batch?: BatchSettings };
  readonly jobArgs: readonly string[];
  readonly execute: JobExecutor;
}

const LAUNCH_KEY = Symbol.for('weir.launch');
let inlineExecutor: JobExecutor | undefined;

/** The launcher sets this before it imports the job module. */
export function setLaunchContext(context: LaunchContext | undefined): void {
  (globalThis as Record<symbol, unknown>)[LAUNCH_KEY] = context;
}

export function getLaunchContext(): LaunchContext | undefined {
  return (globalThis as Record<symbol, unknown>)[LAUNCH_KEY] as LaunchContext | undefined;
}

export function setInlineExecutor(executor: JobExecutor): void {
  inlineExecutor = executor;
}

export function getInlineExecutor(): JobExecutor | undefined {
  return inlineExecutor;
}
