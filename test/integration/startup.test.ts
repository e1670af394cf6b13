// Start-up of `weir run` (docs/architecture.md, "How a job runs"): the bundle cache of bin/weir, and the slot worker
// threads bin/weir starts before the job is known. The steps are read from WEIR_TRACE_STARTUP=1's lines on stderr.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runWeir, tempDir, removeDir } from './helpers.ts';

const TRACE = { WEIR_TRACE_STARTUP: '1' };

/** The trace steps of a run (without thread and time). */
function steps(stderr: string): string[] {
  return stderr.split('\n').filter((l) => l.startsWith('weir-trace ')).map((l) => l.split(' ').slice(3).join(' '));
}

test('the bundle cache: a second run of unchanged files takes the bundle; a changed import, a new file that wins the resolution, or WEIR_BUNDLE_CACHE=0 bundles again', { timeout: 120_000 }, async () => {
  const dir = tempDir('bundle-cache');
  try {
    const job = join(dir, 'job.ts');
    writeFileSync(job, [
      "import { StreamExecutionEnvironment } from 'weir';",
      "import { word } from './util';",
      'const env = StreamExecutionEnvironment.getExecutionEnvironment();',
      'console.log(`word=${word}`);',
      'env.fromElements(1, 2, 3).discard();',
      "await env.execute('cache job');",
    ].join('\n'));
    writeFileSync(join(dir, 'util.js'), "export const word = 'aaaa';\n");
    const run = async (env: Record<string, string> = {}): Promise<{ word: string; cached: boolean }> => {
      const r = await runWeir(['run', job, '--no-progress'], { env: { ...TRACE, ...env }, timeoutMs: 30_000 });
      assert.equal(r.code, 0, r.stderr);
      const s = steps(r.stderr);
      assert.ok(s.includes('bundle from cache') !== s.includes('bundled'), `one of the two: ${s.join(', ')}`);
      return { word: /word=(\w+)/.exec(r.stdout)?.[1] ?? '', cached: s.includes('bundle from cache') };
    };
    const first = await run();
    assert.equal(first.word, 'aaaa');
    assert.deepEqual(await run(), { word: 'aaaa', cached: true }, 'nothing changed: the cached bundle');
    // Same length, so only the content tells.
    writeFileSync(join(dir, 'util.js'), "export const word = 'bbbb';\n");
    assert.deepEqual(await run(), { word: 'bbbb', cached: false }, 'an imported file changed');
    assert.deepEqual(await run(), { word: 'bbbb', cached: true });
    // A new mtime alone (touch) is no change: the contents decide.
    const util = join(dir, 'util.js');
    const before = statSync(util);
    utimesSync(util, new Date(), new Date(Date.now() + 5000));
    assert.deepEqual(await run(), { word: 'bbbb', cached: true }, 'touched, not changed');
    // New contents with the old size and mtime put back: its ctime (and then its bytes) still tell.
    writeFileSync(util, "export const word = 'dddd';\n");
    utimesSync(util, before.atime, before.mtime);
    assert.deepEqual(await run(), { word: 'dddd', cached: false }, 'changed under an old mtime');
    // esbuild resolves ./util to util.ts before util.js: a new file beside the bundled one is a change too.
    writeFileSync(join(dir, 'util.ts'), "export const word: string = 'eeee';\n");
    assert.deepEqual(await run(), { word: 'eeee', cached: false }, 'a new file takes over the import');
    assert.deepEqual(await run({ WEIR_BUNDLE_CACHE: '0' }), { word: 'eeee', cached: false }, 'WEIR_BUNDLE_CACHE=0 always bundles');
  } finally {
    removeDir(dir);
  }
});

test('standby workers: the threads started at launch take the slots (none started later); a job needing more slots than -p gets fresh threads for the rest; WEIR_STANDBY_WORKERS=0 starts none', { timeout: 120_000 }, async () => {
  const dir = tempDir('standby');
  try {
    const job = join(dir, 'job.ts');
    // Sums 1..100 per subtask of a keyed stage whose parallelism is --stage (default: the job's).
    writeFileSync(job, [
      "import { StreamExecutionEnvironment } from 'weir';",
      'const env = StreamExecutionEnvironment.getExecutionEnvironment();',
      "const stage = env.getParameters().getNumber('stage', 0);",
      "if (env.getParameters().get('one', 'false') === 'true') env.setParallelism(1);",
      'const keyed = env.fromSequence(1, 100).keyBy((n: number) => n % 7).map((n: number) => n);',
      'if (stage > 0) keyed.setParallelism(stage);',
      "const result = await keyed.executeAndCollect('standby job');",
      'console.log(`sum=${result.reduce((a: number, b: number) => a + b, 0)} n=${result.length}`);',
    ].join('\n'));
    const run = async (args: string[], env: Record<string, string> = {}): Promise<string[]> => {
      const r = await runWeir(['run', job, '--no-progress', ...args], { env: { ...TRACE, ...env }, timeoutMs: 30_000 });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /sum=5050 n=100/);
      return steps(r.stderr);
    };
    const taken = (s: string[]): string[] => s.filter((l) => l.startsWith('standby worker takes slot') || l.startsWith('new Worker (slot')).sort();

    assert.deepEqual(taken(await run(['-p', '2'])), ['standby worker takes slot 0', 'standby worker takes slot 1']);
    // -p 1 guesses one slot; the keyed stage at 3 needs three.
    assert.deepEqual(taken(await run(['-p', '1', '--stage', '3'])), ['new Worker (slot 1)', 'new Worker (slot 2)', 'standby worker takes slot 0']);
    // The job sets parallelism 1 under -p 3: one slot; the two standby threads left are stopped once it runs.
    const one = await run(['-p', '3', '--one', 'true']);
    assert.deepEqual(taken(one), ['standby worker takes slot 0']);
    assert.ok(one.includes('standby released (2)'), one.join(', '));
    const none = await run(['-p', '2'], { WEIR_STANDBY_WORKERS: '0' });
    assert.deepEqual(taken(none), ['new Worker (slot 0)', 'new Worker (slot 1)']);
    assert.ok(!none.some((l) => l.startsWith('new Worker (standby')), 'no standby thread was started');
  } finally {
    removeDir(dir);
  }
});

test('a job file that throws only in the worker threads fails the run with its error, through a standby thread', { timeout: 120_000 }, async () => {
  const dir = tempDir('standby-throw');
  try {
    const job = join(dir, 'job.ts');
    writeFileSync(job, [
      "import { isMainThread } from 'node:worker_threads';",
      "import { StreamExecutionEnvironment } from 'weir';",
      "if (!isMainThread) throw new Error('no workers for this job');",
      'const env = StreamExecutionEnvironment.getExecutionEnvironment();',
      'env.fromElements(1, 2, 3).discard();',
      "await env.execute('throwing job');",
    ].join('\n'));
    const r = await runWeir(['run', job, '--no-progress', '-p', '2'], { env: TRACE, timeoutMs: 30_000 });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /no workers for this job/);
    assert.match(r.stderr, /job\.ts:3/, 'the stack points at the job file');
    assert.ok(steps(r.stderr).includes('standby worker takes slot 0'), r.stderr);
  } finally {
    removeDir(dir);
  }
});
