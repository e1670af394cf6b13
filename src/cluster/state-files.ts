// TaskManager-side checkpoint state: each TaskManager writes its tasks' keyed state and timers into the shared checkpoint directory and acks handles.
//
// The JobManager creates the checkpoint's directory and names it in `trigger-checkpoint`; an ack
// passing through the TaskManager's main thread has its keyed-state and timer blobs written
// there (temporary name, fsync, rename, SHA-256 — the same protocol as checkpoint/) and replaced
// by their handles, so that state never travels to the JobManager. Operator state (source
// positions, sink committables: small, and the JobManager reads the committables to know whether
// a point carries commits) still rides in the ack. The JobManager checks each handle's file and
// writes `_metadata` last, as in local mode.

import { syncDirectory, writeFileAtomic } from '../checkpoint/atomic-file.ts';
import { stateFileName } from '../checkpoint/file-names.ts';
import type { StateHandle } from '../checkpoint/types.ts';
import type { OperatorSnapshotData, SlotToManager } from '../runtime/protocol.ts';

/** Where a TaskManager puts state files: the filesystem here, an object store later. */
export interface CheckpointStateWriter {
  write(checkpointDir: string, name: string, data: Uint8Array): Promise<StateHandle>;
  /** Makes the writes into `checkpointDir` durable. */
  flush(checkpointDir: string): Promise<void>;
}

export const fsStateWriter: CheckpointStateWriter = {
  async write(dir, name, data) {
    const checksum = await writeFileAtomic(dir, name, data);
    return { file: name, size: data.byteLength, checksum };
  },
  flush: (dir) => syncDirectory(dir),
};

type Ack = Extract<SlotToManager, { type: 'ack' }>;

/**
 * Writes the ack's keyed and timer blobs into `checkpointDir`; returns the ack with handles
 * instead, or a `decline` naming this TaskManager, the task and the directory when it cannot.
 */
export async function writeAckState(ack: Ack, checkpointDir: string, writer: CheckpointStateWriter, tmId: string): Promise<SlotToManager> {
  try {
    const operators: OperatorSnapshotData[] = [];
    for (const op of ack.operators) {
      const files: { keyed?: StateHandle; timers?: StateHandle } = {};
      if (op.keyed && op.keyed.byteLength > 0) files.keyed = await writer.write(checkpointDir, stateFileName(op.uid, ack.task.subtask, 'keyed'), op.keyed);
      if (op.timers && op.timers.byteLength > 0) files.timers = await writer.write(checkpointDir, stateFileName(op.uid, ack.task.subtask, 'timers'), op.timers);
      operators.push({ uid: op.uid, keyed: undefined, timers: undefined, operator: op.operator, files });
    }
    await writer.flush(checkpointDir);
    return { ...ack, operators };
  } catch (e) {
    return {
      type: 'decline', task: ack.task, checkpointId: ack.checkpointId,
      reason: `TaskManager ${tmId} cannot write the state of task ${ack.task.vertex}.${ack.task.subtask} to the checkpoint storage at ${checkpointDir}: ${(e as Error).message} (the checkpoint directory must be a path every host shares, docs/cluster.md)`,
    };
  }
}
