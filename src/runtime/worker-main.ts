// Entry of a slot's worker thread: import the job bundle, capture its graph at execute(), run the slot.

import { parentPort, workerData } from 'node:worker_threads';
import { setLaunchContext } from '../api/launch.ts';
import type { StreamExecutionEnvironment } from '../api/environment.ts';
import { buildJobGraph } from '../graph/job-graph.ts';
import { buildStreamGraph } from '../graph/stream-graph.ts';
import { serializeError } from './operator-error.ts';
import type { ManagerToSlot, SlotToManager } from './protocol.ts';
import { SlotRuntime, type SlotLink } from './slot.ts';
import { traceStartup } from '../core/startup-trace.ts';
import { connectLinks, taskLogEnabled, type WorkerData, type WorkerToManager } from './task-manager.ts';

/**
 * `slotData`: a standby thread's slot (bin/weir's worker script: it started before the job was known, and the
 * TaskManager sends the slot when it takes the thread); otherwise the slot is in workerData.
 */
export async function workerMain(loadJob: () => Promise<unknown>, slotData?: Promise<WorkerData>): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('workerMain must run in a worker thread');
  traceStartup('worker bundle imported');
  // Commands may arrive before the graph is built (or, on a standby thread, before the slot): queue them.
  const pending: ManagerToSlot[] = [];
  let runtime: SlotRuntime | undefined;
  let onReset = (): void => {};
  const dispatch = (m: ManagerToSlot): void => {
    if (m.type === 'reset') onReset();
    else runtime!.onCommand(m);
  };
  port.on('message', (m: ManagerToSlot) => {
    if (runtime) dispatch(m);
    else pending.push(m);
  });
  const data = slotData !== undefined ? await slotData : workerData as WorkerData;
  if (slotData !== undefined) traceStartup(`standby worker got slot ${data.slot}`);
  const post = (m: WorkerToManager, transfer?: ArrayBuffer[]): void => port.postMessage(m, transfer ?? []);
  const fail = (e: unknown): void => post({ type: 'failed', slot: data.slot, error: serializeError(e) });

  const captured = new Promise<{ env: StreamExecutionEnvironment; name: string }>((resolve) => {
    setLaunchContext({
      defaults: data.defaults as never,
      jobArgs: data.jobArgs,
      // In a worker, execute() hands the graph over and never returns: the job's code after it must not run here.
      execute: (env, name) => {
        resolve({ env, name });
        return new Promise(() => {});
      },
    });
  });
  loadJob().catch(fail);
  try {
    const { env } = await captured;
    traceStartup('worker job executed');
    const graph = buildJobGraph(buildStreamGraph(env.transformations, env.sinks, env.config));
    traceStartup('worker graph built');
    const links = new Map<number, SlotLink>();
    const fresh = (): SlotRuntime => new SlotRuntime({
      slots: [data.slot], graph, links, jobArgs: data.jobArgs,
      host: {
        send: (m: SlotToManager, transfer) => post(m, transfer),
        writeText: (stream, text) => post({ type: 'text', stream, text }),
        log: (level, fields, message) => { if (taskLogEnabled(data.logLevel ?? 'silent', level)) post({ type: 'log', level, fields, message }); },
      },
    });
    runtime = fresh();
    // Link messages go to the current runtime (a BATCH thread gets a new one per region: 'reset'); a finished
    // region's channels are gone, so a late message for one finds no channel and is dropped.
    connectLinks({ onLinkMessage: (m) => runtime!.onLinkMessage(m) }, data.links, links);
    onReset = () => { runtime = fresh(); };
    for (const m of pending.splice(0)) dispatch(m);
  } catch (e) {
    fail(e);
  }
}
