// Pipeline regions in BATCH: blocking exchanges, fewer slots than the parallelism, region failover (only the failed region reruns, lost partitions rerun their producers), output exactly once, adaptive parallelism.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileSink, StreamExecutionEnvironment } from '../index.ts';
import { runWeir } from '../../test/integration/helpers.ts';

const WORDS: [string, number][] = Array.from({ length: 6000 }, (_, i) => [`w${(i * 7919) % 89}`, 1 + (i % 3)]);
const EXPECTED = new Map<string, number>();
for (const [w, n] of WORDS) EXPECTED.set(w, (EXPECTED.get(w) ?? 0) + n);

function batchEnv(parallelism: number): StreamExecutionEnvironment {
  const env = StreamExecutionEnvironment.getExecutionEnvironment({ parallelism });
  env.setRuntimeMode('BATCH').setRestartStrategy({ kind: 'fixed-delay', attempts: 3, delayMs: 0 });
  return env;
}

function withDir<T>(fn: (dir: string) => Promise<T>): () => Promise<T> {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'weir-regions-'));
    try { return await fn(dir); } finally { rmSync(dir, { recursive: true, force: true }); }
  };
}

/** Lines of the visible (committed) part files of a file sink directory. */
function committedLines(dir: string): string[] {
  return readdirSync(dir).filter((n) => !n.startsWith('.') && n !== '_SUCCESS').flatMap((n) => readFileSync(join(dir, n), 'utf8').split('\n').filter((l) => l !== ''));
}

test('all-to-all edges are blocking: one region per subtask, run on 2 slots for a parallelism of 3, results as expected', async () => {
  // combine: false, so every record crosses the keyBy (the combiner's own tests are in combiner.test.ts).
  const env = batchEnv(3).configureBatch({ slots: 2, combine: false });
  env.fromCollection(WORDS).rebalance().map((w: [string, number]) => w).name('Copy').keyBy(0).sum(1).name('Count').discard();
  const result = await env.execute('regions');
  const b = result.batch!;
  assert.deepEqual(b.regions.map((r) => r.name), [
    'Collection Source [subtasks 0]', 'Copy [subtasks 0]', 'Copy [subtasks 1]', 'Copy [subtasks 2]',
    'Count -> Discard [subtasks 0]', 'Count -> Discard [subtasks 1]', 'Count -> Discard [subtasks 2]',
  ]);
  assert.equal(b.maxSlotsInUse, 2, 'never more than batch.slots');
  assert.ok(b.regions.every((r) => r.attempts === 1));
  assert.equal(result.recordsIn['Count -> Discard'], WORDS.length);
  // The same job with pipelined exchanges is one region over 3 slots.
  const piped = batchEnv(3).configureBatch({ exchange: 'pipelined' });
  const out = await piped.fromCollection(WORDS).rebalance().keyBy(0).sum(1).executeAndCollect();
  assert.deepEqual(new Map(out), EXPECTED);
  const tooFew = batchEnv(3).configureBatch({ exchange: 'pipelined', slots: 2 });
  tooFew.fromCollection(WORDS).rebalance().keyBy(0).sum(1).discard();
  await assert.rejects(tooFew.execute(), /region .* needs 3 slots at once .* but batch.slots is 2/);
});

test('an all-to-all edge from one subtask to one subtask stays pipelined (nothing to redistribute): one region; with adaptive parallelism it stays blocking', async () => {
  const env = batchEnv(1);
  const out = await env.fromCollection(WORDS).map((w: [string, number]) => w).name('Copy').keyBy(0).sum(1).name('Count').executeAndCollect();
  assert.deepEqual(new Map(out), EXPECTED);
  const one = batchEnv(1);
  one.fromCollection(WORDS).map((w: [string, number]) => w).name('Copy').keyBy(0).sum(1).name('Count').rebalance().map((w: [string, number]) => w).name('Show').discard();
  const b = (await one.execute('one-to-one')).batch!;
  assert.equal(b.regions.length, 1, JSON.stringify(b.regions));
  assert.equal(b.maxSlotsInUse, 1);
  // A consumer whose parallelism is decided at scheduling needs its input's size: a blocking edge.
  const adaptive = batchEnv(1).configureBatch({ adaptive: { enabled: true, maxParallelism: 1 } });
  adaptive.fromCollection(WORDS).keyBy(0).sum(1).name('Count').discard();
  const a = (await adaptive.execute('one-to-one-adaptive')).batch!;
  assert.deepEqual(a.regions.map((r) => r.name), ['Collection Source [subtasks 0]', 'Count -> Discard [subtasks 0]']);
});

test('a user function failing once reruns only its region; the other regions ran once; collected output exactly once', async () => {
  let failed = false;
  const env = batchEnv(2);
  const out = await env.fromCollection(WORDS).rebalance()
    .map((w: [string, number]) => {
      if (!failed && w[0] === 'w7' && w[1] === 3) { failed = true; throw new Error('first attempt fails'); }
      return w;
    }).name('Flaky')
    .keyBy(0).sum(1).name('Count').executeAndCollect();
  assert.ok(failed);
  assert.equal(out.length, EXPECTED.size, 'one final value per key, none twice');
  assert.deepEqual(new Map(out), EXPECTED);
});

test('region attempts: the failed Flaky subtask ran twice, every other task once', async () => {
  let failed = false;
  const env = batchEnv(2);
  env.fromCollection(WORDS).rebalance()
    .map((w: [string, number]) => {
      if (!failed && w[0] === 'w7' && w[1] === 3) { failed = true; throw new Error('first attempt fails'); }
      return w;
    }).name('Flaky')
    .keyBy(0).sum(1).name('Count').discard();
  const b = (await env.execute('attempts')).batch!;
  assert.equal(b.restarts, 1);
  const twice = b.regions.filter((r) => r.attempts === 2).map((r) => r.name);
  assert.equal(twice.length, 1);
  assert.match(twice[0]!, /^Flaky \[subtasks [01]\]$/);
  assert.equal(b.regions.filter((r) => r.attempts === 1).length, b.regions.length - 1);
  assert.equal(Object.values(b.taskAttempts).filter((n) => n === 2).length, 1, 'one task attempt more, no other task reran');
});

test('the file sink commits once at the end of the job: a sink region that failed after writing is rerun, its uncommitted files never published', withDir(async (dir) => {
  let written = 0;
  let failed = false;
  const env = batchEnv(2);
  env.fromCollection(WORDS).keyBy(0).sum(1).name('Count')
    .map((w: [string, number]) => {
      if (!failed && ++written === 30) { failed = true; throw new Error('sink region fails after 29 records'); }
      return `${w[0]} ${w[1]}`;
    }).name('Format')
    .sinkTo(new FileSink<string>(dir), 'Files');
  const b = (await env.execute('sink-once')).batch!;
  assert.ok(failed);
  assert.equal(b.regions.filter((r) => r.attempts === 2).length, 1);
  const lines = committedLines(dir);
  assert.equal(lines.length, EXPECTED.size, 'every key once');
  assert.deepEqual(new Map(lines.map((l) => { const [w, n] = l.split(' '); return [w!, Number(n)]; })), EXPECTED);
  assert.ok(existsSync(join(dir, '_SUCCESS')));
}));

test('a lost blocking partition restarts its producer region before the consumer reruns', withDir(async (dir) => {
  let failed = false;
  const env = batchEnv(2).configureBatch({ slots: 1, spillDir: dir });
  const out = await env.fromCollection(WORDS).rebalance().map((w: [string, number]) => w).name('Copy')
    .keyBy(0)
    .map((w: [string, number]) => {
      if (!failed) {
        failed = true;
        // Lose every finished partition of the job, then fail this consumer.
        for (const d of readdirSync(dir).filter((n) => n.startsWith('weir-shuffle-'))) {
          for (const f of readdirSync(join(dir, d))) unlinkSync(join(dir, d, f));
        }
        throw new Error('consumer fails, and its input is gone');
      }
      return w;
    }).name('Consumer')
    .keyBy(0).sum(1).name('Count')
    .executeAndCollect();
  assert.deepEqual(new Map(out), EXPECTED);
}));

test('a lost partition: the producers (Copy) reran, the failed consumer ran twice, the other consumer once', withDir(async (dir) => {
  let failed = false;
  const env = batchEnv(2).configureBatch({ slots: 1, spillDir: dir });
  env.fromCollection(WORDS).rebalance().map((w: [string, number]) => w).name('Copy')
    .keyBy(0)
    .map((w: [string, number]) => {
      if (!failed) {
        failed = true;
        for (const d of readdirSync(dir).filter((n) => n.startsWith('weir-shuffle-'))) {
          for (const f of readdirSync(join(dir, d)).filter((n) => n.startsWith('e1-'))) unlinkSync(join(dir, d, f));
        }
        throw new Error('consumer fails, and the Copy partitions are gone');
      }
      return w;
    }).name('Consumer')
    .keyBy(0).sum(1).name('Count').discard();
  const b = (await env.execute('lost')).batch!;
  const attempts = Object.fromEntries(b.regions.map((r) => [r.name, r.attempts]));
  assert.equal(attempts['Collection Source [subtasks 0]'], 1, 'its partition (edge 0) was not lost');
  assert.equal(attempts['Copy [subtasks 0]'], 2);
  assert.equal(attempts['Copy [subtasks 1]'], 2);
  assert.equal(attempts['Consumer [subtasks 0]'], 2, 'the consumer that failed');
  assert.equal(attempts['Consumer [subtasks 1]'], 1);
  assert.equal(attempts['Count -> Discard [subtasks 0]'], 1);
  assert.equal(attempts['Count -> Discard [subtasks 1]'], 1);
}));

test('adaptive parallelism: a small input gets fewer tasks than a large one, within the maximum, with correct results', async () => {
  const run = async (n: number): Promise<number> => {
    // Every record crosses the keyBy (no pre-aggregation), so the bytes the decision reads grow with n.
    const env = batchEnv(1).configureBatch({ combine: false, adaptive: { enabled: true, bytesPerTask: 16 * 1024, maxParallelism: 4 } });
    const data: [string, number][] = Array.from({ length: n }, (_, i) => [`k${i % 37}`, 1]);
    env.fromCollection(data).keyBy(0).sum(1).name('Count').rebalance().map(([k, c]: [string, number]) => `${k}=${c}`).name('Show').setParallelism(1).discard();
    const result = await env.execute(`adaptive-${n}`);
    assert.equal(result.recordsIn['Show -> Discard'], 37, `n=${n}: one final value per key`);
    assert.equal(result.recordsIn['Count'], n);
    return result.batch!.parallelism[1]!;
  };
  const small = await run(200);
  const large = await run(40_000);
  assert.equal(small, 1, 'small input: one Count task');
  assert.ok(large > small && large <= 4, `large input: ${large} Count tasks (max 4)`);
  // Correct values at the decided parallelism.
  const env = batchEnv(1).configureBatch({ adaptive: { enabled: true, bytesPerTask: 16 * 1024, maxParallelism: 4 } });
  const out = await env.fromCollection(Array.from({ length: 40_000 }, (_, i) => [`k${i % 37}`, 1] as [string, number])).keyBy(0).sum(1).executeAndCollect();
  assert.equal(out.length, 37);
  assert.ok(out.every(([, c]) => c === Math.floor(40_000 / 37) || c === Math.ceil(40_000 / 37)));
  assert.equal(out.reduce((sum, [, c]) => sum + c, 0), 40_000);
});

test('weir run, worker threads: a dead worker thread restarts its region only; the file output is exactly once', { timeout: 120_000 }, withDir(async (dir) => {
  const marker = join(dir, 'marker');
  const outDir = join(dir, 'out');
  const r = await runWeir(['run', 'test/fixtures/batch-failover-job.ts', '--runtime-mode', 'batch', '-p', '2', '--no-progress', '--marker', marker, '--out', outDir], { timeoutMs: 100_000 });
  assert.equal(r.code, 0, r.stderr);
  assert.ok(existsSync(marker), 'the worker died once');
  const regions = JSON.parse(/batch-regions (.*)/.exec(r.stdout)![1]!) as { name: string; attempts: number }[];
  const twice = regions.filter((x) => x.attempts === 2).map((x) => x.name);
  assert.equal(twice.length, 1, JSON.stringify(regions));
  assert.match(twice[0]!, /^Die once \[subtasks [01]\]$/);
  const lines = committedLines(outDir).map(Number).sort((a, b) => a - b);
  const expected = Array.from({ length: 50 }, (_, k) => { let s = 0; for (let i = k; i < 20_000; i += 50) s += i; return s; }).sort((a, b) => a - b);
  assert.deepEqual(lines, expected);
}));
