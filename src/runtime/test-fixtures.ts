// Test helper: one Task driven by hand over in-memory input channels, with its reports and acks (not part of the package).

import type { ExecutionConfig } from '../api/config.ts';
import type { JobVertex } from '../graph/job-graph.ts';
import type { InputChannel } from './network/input-channel.ts';
import type { RecordWriter } from './network/record-writer.ts';
import type { SlotToManager } from './protocol.ts';
import { Task } from './task.ts';

export type Ack = Extract<SlotToManager, { type: 'ack' }>;

/**
 * Opens a Task of `vertex` reading `inputs` (and writing its edges through `writers`, by edge index; none by
 * default); `run()` steps it until idle (rethrowing its failure), `ack(n)` waits for checkpoint n's ack.
 */
export async function openTaskUnderTest(vertex: JobVertex, config: ExecutionConfig, inputs: InputChannel[], inputIndexes?: number[], writers: Map<number, RecordWriter> = new Map()) {
  const reports: SlotToManager[] = [];
  const errors: unknown[] = [];
  const task = new Task({
    vertex, config, inputs, ...(inputIndexes ? { inputIndexes } : {}), writers,
    deployment: { vertex: vertex.index, subtask: 0, restore: undefined },
    services: {
      wake: () => {}, report: (m) => { reports.push(m); }, writeText: () => {},
      scheduleProcessingTime: () => {}, fail: (_t, e) => { errors.push(e); }, jobArgs: [],
    },
  });
  await task.open();
  const run = (): void => {
    for (let i = 0; i < 10_000 && task.step(); i++) { /* until idle */ }
    if (errors.length > 0) throw errors[0];
  };
  const ack = async (checkpointId: number): Promise<Ack> => {
    for (let i = 0; i < 1000; i++) {
      const a = reports.find((m): m is Ack => m.type === 'ack' && m.checkpointId === checkpointId);
      if (a) return a;
      await new Promise((r) => setTimeout(r, 2));
    }
    throw new Error(`no ack of checkpoint ${checkpointId}`);
  };
  return { task, reports, run, ack };
}
