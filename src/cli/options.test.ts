import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../core/errors.ts';
import { ParameterTool } from '../api/params.ts';
import { checkJobArguments, closest, parseRunArgs } from './options.ts';

test('weir options are taken out anywhere on the line; everything else reaches the job', () => {
  const o = parseRunArgs(['job.ts', '--input', 'x', '--parallelism', '4', '--output=y', '-p', '3', '--checkpoint-dir', 'cp', '--checkpoint-interval=500', '--flag']);
  assert.equal(o.jobFile, 'job.ts');
  assert.deepEqual(o.jobArgs, ['--input', 'x', '--output=y', '--flag']);
  assert.equal(o.defaults.parallelism, 3, 'the last occurrence wins');
  assert.deepEqual(o.defaults.checkpoint, { dir: 'cp', interval: 500 });
});

test('bad weir options are rejected, naming the option', () => {
  assert.throws(() => parseRunArgs(['job.ts', '--parallelism', '0']), /--parallelism must be an integer ≥ 1, got "0"/);
  assert.throws(() => parseRunArgs(['job.ts', '--checkpoint-mode', 'twice']), /--checkpoint-mode must be exactly-once or at-least-once/);
  assert.throws(() => parseRunArgs(['job.ts', '--checkpoint-interval', '100']), /--checkpoint-interval needs --checkpoint-dir/);
  assert.throws(() => parseRunArgs(['job.ts', '--restore', 'latest']), /--restore latest needs --checkpoint-dir/);
  assert.throws(() => parseRunArgs(['job.ts', '--savepoint-dir']), /--savepoint-dir needs a value/);
  assert.throws(() => parseRunArgs(['--parallelism', '2']), /missing the job file/);
});

test('restore, savepoint dir, allow-non-restored-state and buffer settings become defaults', () => {
  const o = parseRunArgs(['job.ts', '--checkpoint-dir', 'cp', '--restore', 'latest', '--savepoint-dir', 'sp', '--allow-non-restored-state', '--buffer-size', '256', '--buffers-per-channel', '8', '--no-progress']);
  assert.equal(o.defaults.restorePath, 'latest');
  assert.equal(o.defaults.savepointDir, 'sp');
  assert.equal(o.defaults.allowNonRestoredState, true);
  assert.equal(o.defaults.bufferSize, 256);
  assert.equal(o.defaults.buffersPerChannel, 8);
  assert.equal(o.progress, false);
});

test('-p N, -p=N and -pN all set the parallelism; other single-dash arguments reach the job', () => {
  assert.equal(parseRunArgs(['job.ts', '-p', '3']).defaults.parallelism, 3);
  assert.equal(parseRunArgs(['job.ts', '-p=3']).defaults.parallelism, 3);
  assert.equal(parseRunArgs(['job.ts', '-p4']).defaults.parallelism, 4);
  assert.deepEqual(parseRunArgs(['job.ts', '-p=3']).jobArgs, []);
  assert.deepEqual(parseRunArgs(['job.ts', '-x', '-px']).jobArgs, ['-x', '-px']);
  assert.throws(() => parseRunArgs(['job.ts', '-p=zero']), /--parallelism must be an integer ≥ 1, got "zero"/);
});

test('an option given twice: the last one wins, whatever its spelling', () => {
  assert.equal(parseRunArgs(['job.ts', '--parallelism=2', '--parallelism', '5']).defaults.parallelism, 5);
  assert.equal(parseRunArgs(['job.ts', '-p=2', '--parallelism=6']).defaults.parallelism, 6);
  assert.equal(parseRunArgs(['job.ts', '--checkpoint-dir', 'a', '--checkpoint-dir=b']).defaults.checkpoint?.dir, 'b');
});

test('an option without its value is refused instead of swallowing the next option', () => {
  assert.throws(() => parseRunArgs(['job.ts', '--checkpoint-dir', '--parallelism', '2']), /--checkpoint-dir needs a value/);
  assert.throws(() => parseRunArgs(['job.ts', '--inline=yes']), /--inline takes no value/);
});

test('job arguments the job never read are unknown options, with the nearest weir option or job key suggested', () => {
  const typo = ParameterTool.fromArgs(['--paralelism', '4', '--input', 'x']);
  typo.get('input');
  assert.throws(() => checkJobArguments(typo), (e: unknown) =>
    e instanceof ConfigError && e.message.startsWith('unknown option --paralelism (did you mean --parallelism?)'));

  const jobKey = ParameterTool.fromArgs(['--inptu', 'x', '--frobnicate']);
  jobKey.get('input');
  assert.throws(() => checkJobArguments(jobKey), (e: unknown) =>
    e instanceof ConfigError && /^unknown options --inptu \(did you mean --input\?\), --frobnicate: /.test(e.message));

  const fine = ParameterTool.fromArgs(['--input', 'x', 'positional']);
  fine.get('input');
  assert.doesNotThrow(() => checkJobArguments(fine));
});

test('closest: typos within a small edit distance, nothing for unrelated words', () => {
  const flags = ['parallelism', 'checkpoint-dir', 'checkpoint-interval', 'restore', 'inline'];
  assert.equal(closest('paralelism', flags), 'parallelism');
  assert.equal(closest('Parallelism', flags), 'parallelism');
  assert.equal(closest('checkpiont-dir', flags), 'checkpoint-dir', 'a transposition counts once');
  assert.equal(closest('checkpoint-intervall', flags), 'checkpoint-interval');
  assert.equal(closest('restroe', flags), 'restore');
  assert.equal(closest('frobnicate', flags), undefined);
  assert.equal(closest('x', flags), undefined);
});

test('--web takes an optional port (default 8081), --web-host and --web-linger need it; --log-level is checked', () => {
  assert.deepEqual(parseRunArgs(['job.ts', '--web']).web, { port: 8081, host: '127.0.0.1', lingerMs: 0 });
  assert.equal(parseRunArgs(['job.ts', '--web', '0']).web?.port, 0);
  assert.equal(parseRunArgs(['job.ts', '--web=9000', '--web-host', '0.0.0.0']).web?.host, '0.0.0.0');
  // A following non-number is not the port: it stays a job argument.
  const o = parseRunArgs(['job.ts', '--web', '--input', 'x']);
  assert.equal(o.web?.port, 8081);
  assert.deepEqual(o.jobArgs, ['--input', 'x']);
  assert.throws(() => parseRunArgs(['job.ts', '--web=99999']), /--web takes a port/);
  assert.throws(() => parseRunArgs(['job.ts', '--web=abc']), /--web takes a port/);
  assert.throws(() => parseRunArgs(['job.ts', '--web-host', '0.0.0.0']), /--web-host needs --web/);
  assert.equal(parseRunArgs(['job.ts']).web, undefined);
  assert.equal(parseRunArgs(['job.ts']).logLevel, 'warn');
  assert.equal(parseRunArgs(['job.ts', '--log-level', 'debug']).logLevel, 'debug');
  assert.throws(() => parseRunArgs(['job.ts', '--log-level', 'loud']), /--log-level must be one of/);
});
