// What the file sink leaves in --output through the real CLI: no second copy, no partial output, _SUCCESS, paths checked, restore elsewhere.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readOutputLines, removeDir, runWeir, signalAfterNextCheckpoint, startWeir, tempDir, waitFor } from './helpers.ts';
import { checkSequenceOutput, writeSequenceInput } from './sequence-check.ts';

const listing = (dir: string): Record<string, string> =>
  Object.fromEntries(readdirSync(dir).sort().map((n) => [n, readFileSync(join(dir, n), 'utf8')]));

test('a bounded job writes _SUCCESS; a second fresh run into the same directory is refused before running, --append-output allows it', { timeout: 120_000 }, async () => {
  const dir = tempDir('fs-twice');
  try {
    const input = join(dir, 'in.txt');
    const out = join(dir, 'out');
    writeSequenceInput(input, 3000, 7);
    const args = ['run', 'examples/sequence.ts', '--input', input, '--output', out, '-p', '2', '--no-progress'];
    const first = await runWeir(args);
    assert.equal(first.code, 0, first.stderr);
    assert.ok(existsSync(join(out, '_SUCCESS')), 'a finished bounded job marks its output complete');
    assert.deepEqual(checkSequenceOutput(readFileSync(input, 'utf8'), out), []);
    const before = listing(out);

    const second = await runWeir(args);
    assert.equal(second.code, 1, second.stderr);
    assert.match(second.stderr, /already holds part files/);
    assert.ok(second.stderr.includes(out), 'the error names the directory');
    assert.match(second.stderr, /part-0-0/);
    assert.match(second.stderr, /--append-output/);
    assert.doesNotMatch(second.stderr, /finished in/, 'refused before running');
    assert.deepEqual(listing(out), before, 'nothing appended, the marker kept');

    const third = await runWeir([...args, '--append-output']);
    assert.equal(third.code, 0, third.stderr);
    assert.equal(readOutputLines(out).length, 6000, 'appended: two copies, as asked');
    assert.ok(existsSync(join(out, '_SUCCESS')));
  } finally {
    removeDir(dir);
  }
});

test('an output path that is an existing file fails before deployment, naming the path', { timeout: 60_000 }, async () => {
  const dir = tempDir('fs-file');
  try {
    const input = join(dir, 'in.txt');
    writeSequenceInput(input, 100, 3);
    const file = join(dir, 'out.txt');
    writeFileSync(file, 'keep me\n');
    const r = await runWeir(['run', 'examples/sequence.ts', '--input', input, '--output', file, '--no-progress']);
    assert.equal(r.code, 1, r.stderr);
    assert.ok(r.stderr.includes(`'${file}' is an existing file`), r.stderr);
    assert.match(r.stderr, /WEIR_CONFIG/);
    assert.doesNotMatch(r.stderr, /EEXIST|finished in/);
    assert.equal(readFileSync(file, 'utf8'), 'keep me\n');
  } finally {
    removeDir(dir);
  }
});

test('without checkpointing, a job failing after one subtask finished leaves no visible part file and no _SUCCESS', { timeout: 60_000 }, async () => {
  const dir = tempDir('fs-fail');
  try {
    const input = join(dir, 'in.txt');
    const out = join(dir, 'out');
    const lines = Array.from({ length: 2000 }, (_, i) => `line-${i}`);
    writeFileSync(input, `${[...lines, 'boom'].join('\n')}\n`);
    const r = await runWeir(['run', 'test/integration/jobs/file-sink-fail-job.ts', '--input', input, '--output', out, '--fail-on', 'boom', '-p', '2', '--no-progress']);
    assert.notEqual(r.code, 0, r.stderr);
    assert.match(r.stderr, /injected failure at boom/);
    const names = existsSync(out) ? readdirSync(out) : [];
    assert.deepEqual(names.filter((n) => !n.startsWith('.')), [], `visible files after a failed run: ${names.join(', ')}`);
    assert.ok(names.length > 0, 'the subtasks did write (hidden) part files');
  } finally {
    removeDir(dir);
  }
});

test('kill -9, then --restore latest with another --output: the records land in the new directory, exactly once', { timeout: 180_000 }, async () => {
  const dir = tempDir('fs-move');
  try {
    const input = join(dir, 'in.txt');
    writeSequenceInput(input, 30_000, 17);
    const cp = join(dir, 'cp');
    const base = ['run', 'examples/sequence.ts', '--input', input, '-p', '2', '--checkpoint-dir', cp, '--checkpoint-interval', '150', '--no-progress'];
    const child = startWeir([...base, '--output', join(dir, 'a'), '--throttle-us', '80']);
    assert.ok(await signalAfterNextCheckpoint(child, join(cp, 'sequence'), 'SIGKILL', 100), 'the first run ended before it could be killed');
    const killed = await waitFor(child, 60_000);
    assert.equal(killed.signal, 'SIGKILL');
    assert.deepEqual(readOutputLines(join(dir, 'a')), [], 'nothing was published in the first directory (parts stay open across checkpoints)');

    const r = await runWeir([...base, '--output', join(dir, 'b'), '--restore', 'latest'], { timeoutMs: 120_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /carried over into/);
    assert.deepEqual(checkSequenceOutput(readFileSync(input, 'utf8'), join(dir, 'b')), []);
    assert.deepEqual(readOutputLines(join(dir, 'a')), [], 'nothing written to the old directory');
    assert.ok(existsSync(join(dir, 'b', '_SUCCESS')));
    assert.ok(!existsSync(join(dir, 'a', '_SUCCESS')));
  } finally {
    removeDir(dir);
  }
});
