// The JobManager side of one cluster job, run from inside the job's own bundle (its own copy of the engine).
//
// The JobManager daemon imports the bundle a client sent and calls `clusterJobMain` with plain
// callbacks: the job module builds its graph at execute(), and the JobManager role of *this*
// engine copy runs it on gateways the daemon provides (RemoteExecution, duck-typed as
// TaskManagerGateway). Only plain data and functions cross between the two engine copies, so
// no `instanceof` ever compares classes of different copies.

import { setLaunchContext, type JobResult, type LaunchContext } from '../api/launch.ts';
import { checkJobArguments } from '../cli/options.ts';
import type { JobListener } from '../coordinator/job-listener.ts';
import type { JobView } from '../coordinator/job-view.ts';
import { JobManager } from '../coordinator/job-manager.ts';
import { buildChannelPlan } from '../runtime/network/channel-plan.ts';
import type { TaskManagerGateway } from '../runtime/gateway.ts';
import type { BatchRegionLog } from '../batch/scheduler.ts';

export interface ClusterJobContext {
  readonly jobArgs: readonly string[];
  readonly defaults: LaunchContext['defaults'];
  readonly listener: JobListener;
  /**
   * A gateway over cluster slots for one attempt: the job's slots 0…numSlots−1, or — a BATCH
   * region — just `slotIds` (the subtask indexes it runs), so a region takes only the slots it needs.
   */
  readonly createGateway: (numSlots: number, slotIds?: readonly number[]) => TaskManagerGateway;
  /** Called once the job's id and name are known, before anything is deployed; may throw (or reject) to refuse the job. */
  readonly onJobManager: (control: { jobId: string; jobName: string; stopWithSavepoint(): void; triggerSavepoint(): Promise<string>; view: JobView }) => void | Promise<void>;
  /** HA: checkpoints complete only through this (`src/ha/`): the leader check and the fenced pointer commit. */
  readonly completionGate?: { check(jobId: string, action: string): void; commit(jobId: string, point: { id: number; kind: 'checkpoint' | 'savepoint'; path: string }): Promise<void> };
  /** HA: the operation log of a BATCH job's finished regions (plain data and functions only). */
  readonly batchRegionLog?: (jobId: string) => Promise<BatchRegionLog>;
}

export async function clusterJobMain(loadJob: () => Promise<unknown>, ctx: ClusterJobContext): Promise<JobResult> {
  let result: JobResult | undefined;
  let executed = false;
  setLaunchContext({
    defaults: ctx.defaults,
    jobArgs: ctx.jobArgs,
    execute: async (env, jobName) => {
      executed = true;
      checkJobArguments(env.getParameters());
      const gate = ctx.completionGate;
      const jm: JobManager = new JobManager({
        env, jobName, listener: ctx.listener, createTaskManager: (graph, slotIds) => ctx.createGateway(buildChannelPlan(graph).numSlots, slotIds),
        ...(gate ? { completionGate: { check: (action: string) => gate.check(jm.jobId, action), commit: (point) => gate.commit(jm.jobId, point) } } : {}),
        ...(ctx.batchRegionLog ? { batchRegionLog: () => ctx.batchRegionLog!(jm.jobId) } : {}),
      });
      await ctx.onJobManager({ jobId: jm.jobId, jobName, stopWithSavepoint: () => jm.stopWithSavepoint(), triggerSavepoint: () => jm.triggerSavepoint(), view: jm });
      result = await jm.run();
      return result;
    },
  });
  await loadJob();
  if (!executed) throw new Error('the job file finished without calling env.execute(): nothing ran');
  return result!;
}
