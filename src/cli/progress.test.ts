import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDuration, formatWatermark, ProgressReporter } from './progress.ts';

function fakeStream(isTTY: boolean): NodeJS.WriteStream & { text: string } {
  const s = { isTTY, text: '', write(chunk: string) { s.text += chunk; return true; } };
  return s as unknown as NodeJS.WriteStream & { text: string };
}

test('on a terminal: records in/out per second per stage, with restarts and checkpoints', () => {
  const out = fakeStream(true);
  const r = new ProgressReporter(out, true);
  r.onProgress([{ name: 'Source -> Map', parallelism: 2, recordsIn: 1000, recordsOut: 1000 }], 1000);
  r.onCheckpoint({ id: 1, kind: 'checkpoint', path: '/x', durationMs: 3, sizeBytes: 10, final: false });
  r.onProgress([{ name: 'Source -> Map', parallelism: 2, recordsIn: 3000, recordsOut: 5000 }], 2000);
  assert.match(out.text, /in\s+1\.0k\/s\s+out\s+1\.0k\/s/);
  assert.match(out.text, /in\s+2\.0k\/s\s+out\s+4\.0k\/s/);
  assert.match(out.text, /checkpoints 1/);
  r.onRestart(1, 'boom\nstack', 1000);
  assert.match(out.text, /restarting \(attempt 1\) in 1\.0 s after: boom\n/);
});

test('a fractional exponential back-off prints rounded, in seconds (not 38443.359375 ms)', () => {
  const out = fakeStream(false);
  new ProgressReporter(out, true).onRestart(7, 'lost', 38443.359375);
  assert.equal(out.text, 'weir: restarting (attempt 7) in 38.4 s after: lost\n');
});

test('formatDuration: ms below a second, one decimal below a minute, then minutes and hours', () => {
  assert.equal(formatDuration(0), '0 ms');
  assert.equal(formatDuration(12.7), '13 ms');
  assert.equal(formatDuration(999.4), '999 ms');
  assert.equal(formatDuration(999.7), '1.0 s');
  assert.equal(formatDuration(1000), '1.0 s');
  assert.equal(formatDuration(38443.359375), '38.4 s');
  assert.equal(formatDuration(59_949), '59.9 s');
  assert.equal(formatDuration(59_990), '1 min');
  assert.equal(formatDuration(125_000), '2 min 5 s');
  assert.equal(formatDuration(3_720_000), '1 h 2 min');
});

test('not on a terminal: no live lines, but the summary', () => {
  const out = fakeStream(false);
  const r = new ProgressReporter(out, true);
  r.onProgress([{ name: 'S', parallelism: 1, recordsIn: 10, recordsOut: 10 }], 1000);
  assert.equal(out.text, '');
  const summary = r.summary({
    jobName: 'j', wallTimeMs: 2000, collected: new Map(), recordsIn: { S: 10, K: 10 }, recordsOut: { S: 10, K: 0 },
    restarts: 1, completedCheckpoints: 2, checkpointStats: { durationMs: 5, syncMs: 0.5, asyncMs: 0.25, alignmentMs: 1, taskWorkMs: 0.6 },
  });
  assert.match(summary, /job "j" finished in 2\.00 s \(restarts 1, checkpoints 2\)/);
  assert.match(summary, /throughput: 5 records\/s read by the first source/);
  assert.match(summary, /checkpoints \(median\): 5\.0 ms end to end; per task: sync 0\.50 ms, async 0\.25 ms, alignment 1\.0 ms; task threads' time per checkpoint 0\.60 ms/);
});

test('each stage shows its watermark: none before the first, epoch ms as a time, end for the final one', () => {
  const out = fakeStream(true);
  const r = new ProgressReporter(out, true);
  r.onProgress([
    { name: 'Source', parallelism: 2, recordsIn: 10, recordsOut: 10, watermark: Number.NEGATIVE_INFINITY },
    { name: 'Window', parallelism: 2, recordsIn: 10, recordsOut: 1, watermark: 1_764_582_000_000 },
    { name: 'Sink', parallelism: 1, recordsIn: 1, recordsOut: 0, watermark: 1500 },
    { name: 'Done', parallelism: 1, recordsIn: 1, recordsOut: 0, watermark: Number.POSITIVE_INFINITY },
  ], 1000);
  assert.match(out.text, /Source .* wm none\n/);
  assert.match(out.text, /Window .* wm 2025-12-01T09:40:00\.000Z\n/);
  assert.match(out.text, /Sink .* wm 1500\n/);
  assert.match(out.text, /Done .* wm end\n/);
  assert.equal(formatWatermark(-5), '-5');
});
