// The strict `weir` command line, through the real bin/weir: unknown options, -p=N, --version, job file mistakes.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ROOT, runWeir, tempDir, removeDir } from './helpers.ts';

test('a misspelt option fails before the run (exit 1, a suggestion, no output directory), and -p=N sets the parallelism', { timeout: 120_000 }, async () => {
  const dir = tempDir('cli');
  try {
    const input = join(dir, 'in.txt');
    writeFileSync(input, 'a b a\n');
    const out = join(dir, 'out');
    const r = await runWeir(['run', 'examples/wordcount.ts', '--input', input, '--output', out, '--paralelism', '4', '--no-progress'], { timeoutMs: 30_000 });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /unknown option --paralelism \(did you mean --parallelism\?\)/);
    assert.doesNotMatch(r.stderr, /finished in/, 'nothing ran');
    assert.equal(existsSync(out), false, 'no output directory (and so no part file) was created');

    // A job that prints the parallelism it was given, then runs a tiny job.
    const job = join(dir, 'job.mjs');
    writeFileSync(job, [
      "import { StreamExecutionEnvironment } from 'weir';",
      'const env = StreamExecutionEnvironment.getExecutionEnvironment();',
      "const tag = env.getParameters().get('tag', 'none');",
      'console.log(`parallelism=${env.config.parallelism} tag=${tag}`);',
      'env.fromElements(1, 2, 3).discard();',
      "await env.execute('p job');",
    ].join('\n'));
    for (const [flag, expected] of [['-p=3', 3], ['-p2', 2]] as const) {
      const p = await runWeir(['run', job, flag, '--tag', 'x', '--no-progress'], { timeoutMs: 30_000 });
      assert.equal(p.code, 0, p.stderr);
      assert.match(p.stdout, new RegExp(`parallelism=${expected} tag=x`), `${flag}: ${p.stdout}`);
    }
    const typo = await runWeir(['run', job, '--tga', 'x', '--no-progress'], { timeoutMs: 30_000 });
    assert.equal(typo.code, 1, typo.stderr);
    assert.match(typo.stderr, /unknown option --tga \(did you mean --tag\?\)/, 'a key the job reads is suggested too');
  } finally {
    removeDir(dir);
  }
});

test('weir --version and weir version print the package version', { timeout: 120_000 }, async () => {
  const version = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version as string;
  for (const arg of ['--version', 'version']) {
    const r = await runWeir([arg]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `weir ${version}\n`);
  }
});

test('a missing job file or one without a recognised extension is named, with no internal file in the message', { timeout: 120_000 }, async () => {
  const dir = tempDir('cli-file');
  try {
    const missing = await runWeir(['run', 'test/fixtures/no-such-job.ts', '-p', '2']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, new RegExp(`job file ${resolve(ROOT, 'test/fixtures/no-such-job.ts').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} does not exist`));
    assert.doesNotMatch(missing.stderr, /weir-entry|internal/);

    const noExtension = join(dir, 'job');
    writeFileSync(noExtension, 'console.log(1);\n');
    const txt = join(dir, 'job.txt');
    writeFileSync(txt, 'console.log(1);\n');
    for (const file of [noExtension, txt]) {
      const r = await runWeir(['run', file]);
      assert.equal(r.code, 1);
      assert.ok(r.stderr.includes(`job file ${file} has no recognised extension (accepted: .ts .mts .cts .tsx .js .mjs .cjs .jsx)`), r.stderr);
      assert.doesNotMatch(r.stderr, /internal|was not bundled/);
    }
    const gone = await runWeir(['run', join(dir, 'nothing')]);
    assert.equal(gone.code, 1);
    assert.ok(gone.stderr.includes(`job file ${join(dir, 'nothing')} does not exist`), gone.stderr);
  } finally {
    removeDir(dir);
  }
});
