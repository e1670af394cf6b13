// The BATCH scheduler's operation log (JobManager HA): a second run given the log of a first one skips the regions it names,
// keeps their committables, collected records and splits, and runs the rest; region keys are the same in both runs.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileSink, StreamExecutionEnvironment } from '../index.ts';
import { setLaunchContext } from '../api/launch.ts';
import { JobManager } from '../coordinator/job-manager.ts';
import { InlineTaskManager } from '../runtime/task-manager.ts';
import type { BatchRegionLog, BatchRunStats, FinishedRegionRecord } from './scheduler.ts';

const COUNT = 4000;

function committedNumbers(dir: string): number[] {
  return readdirSync(dir).filter((n) => n.startsWith('part-'))
    .flatMap((n) => readFileSync(join(dir, n), 'utf8').split('\n').filter((l) => l !== '').map(Number)).sort((a, b) => a - b);
}

/** Builds the job (two stages: generator → First → collect + file sink A; hash → Second → file sink B) and runs it under `log`. */
async function run(dirs: { a: string; b: string }, log: BatchRegionLog, options: { failSecond: boolean; firstCalls: { n: number } }): Promise<{ collected: number[]; stats: BatchRunStats }> {
  const env = StreamExecutionEnvironment.getExecutionEnvironment({ parallelism: 2 });
  env.setRuntimeMode('BATCH').setRestartStrategy({ kind: 'none' });
  const first = env.fromGenerator((i: number) => i, { count: COUNT }).uid('numbers')
    .map((n: number) => { options.firstCalls.n++; return n; }).name('First').uid('first');
  first.sinkTo(new FileSink<number>(dirs.a, { format: String }), 'Files A').uid('files-a');
  first.keyBy((n: number) => n % 7).map((n: number) => {
    if (options.failSecond && n === COUNT - 3) throw new Error('the leader "dies" in the second stage');
    return n;
  }).name('Second').uid('second').sinkTo(new FileSink<number>(dirs.b, { format: String }), 'Files B').uid('files-b');
  let jm: JobManager | undefined;
  setLaunchContext({
    defaults: {}, jobArgs: [],
    execute: (e, jobName) => (jm = new JobManager({
      env: e, jobName, createTaskManager: (graph, slotIds) => new InlineTaskManager(graph, [], undefined, slotIds), batchRegionLog: async () => log,
    })).run(),
  });
  try {
    const collected = await first.executeAndCollect('region-log');
    return { collected: collected.sort((x, y) => x - y), stats: jm!.lastBatchStats! };
  } finally {
    setLaunchContext(undefined);
  }
}

function memoryLog(shuffleDir: string, finished: Map<string, FinishedRegionRecord>): BatchRegionLog & { recorded: Map<string, FinishedRegionRecord> } {
  const recorded = new Map<string, FinishedRegionRecord>();
  return { shuffleDir, finished, recorded, record: async (key, record) => { recorded.set(key, structuredClone(record)); } };
}

/** Run 1 ("the old leader"): the first stage finishes and is logged, the second fails; nothing is committed. */
async function failedRun(root: string): Promise<{ dirs: { a: string; b: string }; firstCalls: { n: number }; log1: ReturnType<typeof memoryLog> }> {
  const dirs = { a: join(root, 'a'), b: join(root, 'b') };
  const firstCalls = { n: 0 };
  const log1 = memoryLog(join(root, 'shuffle', 'epoch-1'), new Map());
  await assert.rejects(run(dirs, log1, { failSecond: true, firstCalls }), /dies/);
  return { dirs, firstCalls, log1 };
}

test('a run given the log of a failed run skips the logged regions, commits their part files once, replays their records and never hands their splits out again', async () => {
  const root = mkdtempSync(join(tmpdir(), 'weir-region-log-'));
  try {
    const { dirs, firstCalls, log1 } = await failedRun(root);
    assert.equal(firstCalls.n, COUNT);
    const keys = [...log1.recorded.keys()];
    assert.equal(keys.length, 2, `the two first-stage regions: ${keys.join(', ')}`);
    assert.ok(keys.every((k) => /^numbers-[0-9a-f]{16}$/.test(k)), keys.join(', '));
    assert.deepEqual(committedNumbers(dirs.a), [], 'nothing committed by the failed run');

    // Run 2 ("the new leader") knows only subtask 0's region finished: subtask 1's runs again, with only the split subtask 0 did not read.
    const [keep] = keys.sort();
    const log2 = memoryLog(join(root, 'shuffle', 'epoch-2'), new Map([[keep!, log1.recorded.get(keep!)!]]));
    firstCalls.n = 0;
    const { collected, stats } = await run(dirs, log2, { failSecond: false, firstCalls });
    const fromLog = stats.regions.filter((r) => r.fromLog);
    assert.deepEqual(fromLog.map((r) => [r.key, r.attempts]), [[keep, 0]]);
    assert.ok(stats.regions.filter((r) => !r.fromLog).every((r) => r.attempts === 1));
    assert.ok(firstCalls.n > 0 && firstCalls.n < COUNT, `First ran for the rerun region only (${firstCalls.n} records)`);
    const all = Array.from({ length: COUNT }, (_, i) => i);
    assert.deepEqual(collected, all, 'collected records: the logged region\'s once, the rerun\'s once');
    assert.deepEqual(committedNumbers(dirs.a), all, 'file sink A: the logged region\'s part files committed once, with the rerun\'s');
    assert.deepEqual(committedNumbers(dirs.b), all);
    // Run 2 recorded the regions it ran, under the same keys.
    assert.deepEqual([...log2.recorded.keys()].filter((k) => keys.includes(k)), keys.filter((k) => k !== keep));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('a logged region whose partition is gone is not taken from the log: it runs again, and the output stays exactly once', async () => {
  const root = mkdtempSync(join(tmpdir(), 'weir-region-log-'));
  try {
    const { dirs, firstCalls, log1 } = await failedRun(root);
    const [lost, kept] = [...log1.recorded.keys()].sort();
    const location = log1.recorded.get(lost!)!.partitions[0]![1].location;
    rmSync(location);
    firstCalls.n = 0;
    const { collected, stats } = await run(dirs, memoryLog(join(root, 'shuffle', 'epoch-2'), new Map(log1.recorded)), { failSecond: false, firstCalls });
    assert.deepEqual(stats.regions.filter((r) => r.fromLog).map((r) => r.key), [kept]);
    assert.deepEqual(stats.regions.filter((r) => r.key === lost).map((r) => r.attempts), [1]);
    const all = Array.from({ length: COUNT }, (_, i) => i);
    assert.deepEqual(collected, all);
    assert.deepEqual(committedNumbers(dirs.a), all);
    assert.deepEqual(committedNumbers(dirs.b), all);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
