// Test helpers for checkpoint storage: temporary directories and a small two-operator checkpoint.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stateFileName } from './file-names.ts';
import type { CheckpointKind, CheckpointMetadata, PendingCheckpoint } from './types.ts';

export async function withTempDir(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'weir-checkpoint-'));
  try {
    await body(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export const JOB_ID = 'a1b2c3d4e5f6';

export function bytes(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/** Writes a source (parallelism 1) and a keyed counter (parallelism 2) into `pending` and completes it. */
export async function writeSmallCheckpoint(pending: PendingCheckpoint, kind: CheckpointKind = 'checkpoint'): Promise<CheckpointMetadata> {
  const n = pending.checkpointId;
  const [source, keyed0, keyed1] = await Promise.all([
    pending.writeState(stateFileName('kafka-source', 0, 'source'), bytes(`offset=${n * 100}`)),
    pending.writeState(stateFileName('word-count', 0, 'keyed'), bytes(`counts-0 of checkpoint ${n}`)),
    pending.writeState(stateFileName('word-count', 1, 'keyed'), bytes(`counts-1 of checkpoint ${n}`)),
  ]);
  const metadata: CheckpointMetadata = {
    version: 1,
    jobId: JOB_ID,
    jobName: 'word count',
    checkpointId: n,
    kind,
    timestamp: Date.UTC(2024, 0, 1, 0, 0, n),
    durationMs: 10 + n,
    maxParallelism: 128,
    operators: [
      { uid: 'kafka-source', name: 'Source: words', parallelism: 1, subtasks: [{ subtask: 0, handles: { source: source } }] },
      {
        uid: 'word-count',
        name: 'Count per word',
        parallelism: 2,
        subtasks: [
          { subtask: 0, handles: { keyed: keyed0 } },
          { subtask: 1, handles: { keyed: keyed1 } },
        ],
      },
    ],
    extra: { watermark: n * 1000 },
  };
  await pending.complete(metadata);
  return metadata;
}
