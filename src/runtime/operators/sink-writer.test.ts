// The sink's two-phase commit through the real runtime (inline): a committable reaches the committer only after its checkpoint completed.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StreamExecutionEnvironment, type Committer, type Sink, type SinkWriter } from '../../index.ts';

interface Committable {
  readonly subtask: number;
  readonly records: number[];
  /** Stamped by snapshotState(n) right after the prepareCommit that made it. */
  checkpointId: number;
}

/** Ids of the completed checkpoints under `dir`: those whose `_metadata` (written last, before checkpoint-complete is sent) exists. */
function completedIds(dir: string): number[] {
  const ids: number[] = [];
  for (const job of readdirSync(dir)) {
    if (!statSync(join(dir, job)).isDirectory()) continue;
    for (const chk of readdirSync(join(dir, job))) {
      const m = /^chk-(\d+)$/.exec(chk);
      if (m && existsSync(join(dir, job, chk, '_metadata'))) ids.push(Number(m[1]));
    }
  }
  return ids.sort((a, b) => a - b);
}

/** A test writer's records since its last pre-commit, and the committable made of them until snapshotState(n) stamps it with n. */
function committableBuffer(subtask: number) {
  let buffer: number[] = [];
  let prepared: Committable[] = [];
  return {
    add(record: number): void { buffer.push(record); },
    prepare(): Committable[] {
      prepared = buffer.length === 0 ? [] : [{ subtask, records: buffer, checkpointId: -1 }];
      buffer = [];
      return prepared;
    },
    stamp(checkpointId: number): never[] {
      for (const c of prepared) c.checkpointId = checkpointId;
      prepared = [];
      return [];
    },
  };
}

/**
 * A sink that hands every record written since the last checkpoint to the committer, and checks
 * each commit against the checkpoint directory: the committable of checkpoint n may only be
 * committed once a checkpoint m >= n completed (m's state holds it as pending).
 */
function probeSink(dir: string, log: { committed: number[]; violations: string[]; commits: number }): Sink<number, Committable, never> {
  return {
    createWriter(context): SinkWriter<number, Committable, never> {
      const records = committableBuffer(context.subtaskIndex);
      return {
        write: (r) => records.add(r),
        finish: () => {},
        prepareCommit: () => records.prepare(),
        snapshotState: (checkpointId) => records.stamp(checkpointId),
        close: () => {},
      };
    },
    createCommitter(): Committer<Committable> {
      return {
        commit: (committables) => {
          log.commits++;
          for (const c of committables) {
            if (c.checkpointId < 0) log.violations.push(`subtask ${c.subtask}: a committable committed before any checkpoint took it`);
            else {
              // Checkpoint n's committables may also be committed by a later checkpoint (n aborted, its pending list carried on).
              const done = completedIds(dir);
              if (!done.some((id) => id >= c.checkpointId)) {
                log.violations.push(`subtask ${c.subtask}: committable of checkpoint ${c.checkpointId} committed before it or a later checkpoint completed (completed: ${done.join(', ')})`);
              }
            }
            log.committed.push(...c.records);
          }
        },
      };
    },
  };
}

test('the committer sees a committable only after the checkpoint that produced it (or a later one) completed, and each record once', { timeout: 90_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'weir-sink-commit-'));
  try {
    const log = { committed: [] as number[], violations: [] as string[], commits: 0 };
    // 3 s of input at 2,000 records/s: room for several 20 ms checkpoints even on a loaded machine.
    const count = 6000;
    const env = StreamExecutionEnvironment.getExecutionEnvironment({ parallelism: 2 });
    env.enableCheckpointing(20).configureCheckpointing({ dir, retainedCheckpoints: 10_000 });
    env.fromGenerator((i) => i, { count, ratePerSecond: 2000 }).sinkTo(probeSink(dir, log));
    const result = await env.execute('sink-commit-order');
    assert.ok(result.completedCheckpoints >= 3, `only ${result.completedCheckpoints} checkpoints: the test needs commits in mid-run`);
    assert.ok(log.commits >= 3, `only ${log.commits} commits`);
    assert.deepEqual(log.violations.slice(0, 5), []);
    assert.equal(log.committed.length, count, 'every record committed exactly once');
    assert.deepEqual([...log.committed].sort((a, b) => a - b), Array.from({ length: count }, (_, i) => i));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a writer\'s preCommit durability runs while the task goes on, and the checkpoint completes only after it resolved', { timeout: 90_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'weir-sink-durable-'));
  try {
    const committed: number[] = [];
    const violations: string[] = [];
    /** Checkpoint ids whose durability promise resolved, per subtask. */
    const durable = new Set<string>();
    let pendingSeen = 0;
    const count = 6000;
    const sink: Sink<number, Committable, never> = {
      createWriter(context): SinkWriter<number, Committable, never> {
        const records = committableBuffer(context.subtaskIndex);
        /** The durability of the last preCommit: resolves once this writer got 20 more records (so only if the task went on). */
        let waiting: { after: number; resolve: () => void; checkpoint: Committable[] } | undefined;
        let written = 0;
        // After the input ended no record comes: the last checkpoints' durability resolves on the next turn.
        let finished = false;
        const settle = (): void => {
          if (waiting === undefined) return;
          for (const c of waiting.checkpoint) durable.add(`${c.subtask}:${c.checkpointId}`);
          const w = waiting;
          waiting = undefined;
          w.resolve();
        };
        return {
          write: (r) => {
            records.add(r);
            written++;
            if (waiting !== undefined && written >= waiting.after) settle();
          },
          finish: () => { finished = true; settle(); },
          prepareCommit: () => { throw new Error('the runtime must use preCommit at checkpoints'); },
          preCommit: () => {
            settle();
            const checkpoint = records.prepare();
            if (checkpoint.length === 0) return { committables: [] };
            pendingSeen++;
            return {
              committables: checkpoint,
              durable: new Promise<void>((resolve) => {
                waiting = { after: written + 20, resolve, checkpoint };
                if (finished) setImmediate(settle);
              }),
            };
          },
          snapshotState: (checkpointId) => records.stamp(checkpointId),
          close: () => {},
        };
      },
      createCommitter(): Committer<Committable> {
        return {
          commit: (committables) => {
            for (const c of committables) {
              if (!durable.has(`${c.subtask}:${c.checkpointId}`)) violations.push(`subtask ${c.subtask}: checkpoint ${c.checkpointId}'s committable committed before its durability resolved`);
              committed.push(...c.records);
            }
          },
        };
      },
    };
    const env = StreamExecutionEnvironment.getExecutionEnvironment({ parallelism: 2 });
    env.enableCheckpointing(20).configureCheckpointing({ dir, retainedCheckpoints: 10_000 });
    env.fromGenerator((i) => i, { count, ratePerSecond: 2000 }).sinkTo(sink);
    const result = await env.execute('sink-durable-after-snapshot');
    assert.ok(result.completedCheckpoints >= 3, `only ${result.completedCheckpoints} checkpoints`);
    assert.ok(pendingSeen >= 3, `only ${pendingSeen} pre-commits with durability work`);
    assert.deepEqual(violations.slice(0, 5), []);
    assert.deepEqual([...committed].sort((a, b) => a - b), Array.from({ length: count }, (_, i) => i));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
