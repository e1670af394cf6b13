// Start-up of `weir run` (docs/architecture.md, "How a job runs"): the bundle cache of bin/weir, and the slot worker
// threads bin/weir starts before the job is known. The steps are read from WEIR_TRACE_STARTUP=1's lines on stderr.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
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
    // esbuild resolves ./util to util.ts before util.js: a new file beside the bundled one is a change too.
    writeFileSync(join(dir, 'util.ts'), "export const word: string = 'cccc';\n");
    assert.deepEqual(await run(), { word: 'cccc', cached: false }, 'a new file takes over the import');
    assert.deepEqual(await run({ WEIR_BUNDLE_CACHE: '0' }), { word: 'cccc', cached: false }, 'WEIR_BUNDLE_CACHE=0 always bundles');
  } finally {
    removeDir(dir);
  }
});
