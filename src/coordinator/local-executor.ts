// Local mode: a JobManager and a TaskManager in this process; slots inline or on worker threads.

import type { StreamExecutionEnvironment } from '../api/environment.ts';
import { ConfigError } from '../core/errors.ts';
import { sharedRichFunction, type Transformation } from '../api/transformation.ts';
import type { JobResult } from '../api/launch.ts';
import { buildChannelPlan } from '../runtime/network/channel-plan.ts';
import { InlineTaskManager, ThreadTaskManager, type StandbyWorkers, type TaskManagerGateway } from '../runtime/task-manager.ts';
import { JobManager } from './job-manager.ts';
import type { JobListener } from './job-listener.ts';
import type { Logger, LogLevel } from '../core/logger.ts';

export interface LocalExecutionOptions {
  /** 'threads' needs the job bundle's worker script (weir run builds it); 'inline' runs every slot in this thread. */
  readonly mode: 'inline' | 'threads';
  readonly workerScript?: string;
  /** Worker threads started at launch (bin/weir), taken for slots before new ones are started. */
  readonly standby?: StandbyWorkers | undefined;
  readonly listener?: JobListener;
  /** Launch defaults handed to workers so they rebuild the same graph. */
  readonly defaults?: unknown;
  /** Called once the JobManager exists (the CLI uses it for stop-with-savepoint and the REST server). */
  readonly onJobManager?: (jm: JobManager) => void;
  /** Job and task log lines; tasks in worker threads send theirs to it when at least `logLevel`. */
  readonly logger?: Logger;
  readonly logLevel?: LogLevel;
}

export async function executeLocally(env: StreamExecutionEnvironment, jobName: string, options: LocalExecutionOptions): Promise<JobResult> {
  if (options.mode === 'inline') checkInlineSharing(env);
  const jm: JobManager = new JobManager({
    env,
    jobName,
    listener: options.listener,
    ...(options.logger ? { logger: options.logger } : {}),
    createTaskManager: (graph, slotIds): TaskManagerGateway => options.mode === 'threads'
      ? new ThreadTaskManager({
        numSlots: buildChannelPlan(graph).numSlots, workerScript: options.workerScript!, jobArgs: env.jobArgs, defaults: options.defaults ?? {},
        logger: options.logger, logLevel: options.logLevel, slotIds, standby: options.standby,
        // BATCH regions start on subsets of the slots, one after another: they may take the rest later.
        releaseStandby: jm.runtimeMode === 'STREAMING',
      })
      : new InlineTaskManager(graph, env.jobArgs, options.logger, slotIds),
  });
  options.onJobManager?.(jm);
  return jm.run();
}

/**
 * Inline, every subtask of an operator runs in this thread with the *same* function object
 * (worker threads each rebuild the graph, so there each subtask has its own). A function
 * object with open() keeps per-subtask fields, so sharing it would mix subtasks' state:
 * refuse that before anything runs.
 */
function checkInlineSharing(env: StreamExecutionEnvironment): void {
  const parallelismOf = (t: Transformation): number => t.parallelism ?? env.config.parallelism;
  for (const t of env.transformations) {
    if (t.spec && sharedRichFunction(t.spec) && parallelismOf(t) > 1) {
      throw new ConfigError(
        `operator "${t.name}": its function object (with open()) would be shared by ${parallelismOf(t)} subtasks in one thread when the job runs inline (plain node, tests); pass a factory such as process(() => new MyFunction()), set its parallelism to 1, or run it with weir run`,
      );
    }
  }
}
