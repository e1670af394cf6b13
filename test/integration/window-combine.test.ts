// Pre-aggregation before a keyBy into windows (graph/window-combine.ts) on real worker threads: the same output with it on and off, late records and re-firings included.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runWeir } from './helpers.ts';

const JOB = 'test/integration/jobs/window-combine-job.ts';

async function run(combine: 'on' | 'off', extra: string[] = []): Promise<{ lines: string[]; merges: number; crossed: number }> {
  const r = await runWeir(['run', JOB, '--parallelism', '2', '--window-combine', combine, '--no-progress', ...extra]);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.split('\n').filter((l) => l !== '').map((l) => l.replace(/^\d+> /, '')).sort();
  let merges = 0;
  for (const m of r.stderr.matchAll(/^merges (\d+)$/gm)) merges += Number(m[1]);
  // The summary's first stage: records it sent across the keyBy.
  const crossed = Number(/Collection Source.*in\s+\d+\s+out\s+(\d+)/.exec(r.stderr)?.[1]);
  return { lines, merges, crossed };
}

test('keyBy → event-time tumbling window with allowed lateness and late side output at parallelism 2: identical output with pre-aggregation on and off', { timeout: 60_000 }, async () => {
  const [on, off] = await Promise.all([run('on'), run('off')]);
  assert.deepEqual(on.lines, off.lines);
  const late = off.lines.filter((l) => l.startsWith('L '));
  const fired = off.lines.filter((l) => l.startsWith('W '));
  assert.ok(late.length > 50, `late records: ${late.length}`);
  const perWindow = new Map<string, number>();
  for (const l of fired) { const id = l.split(' ').slice(1, 3).join(' '); perWindow.set(id, (perWindow.get(id) ?? 0) + 1); }
  assert.ok([...perWindow.values()].some((n) => n > 1), 'some window fired again for a record within the allowed lateness');
  // Every record is in the last firing of its window or late, never both, never neither.
  const last = new Map<string, number>();
  for (const l of fired) { const p = l.split(' '); const id = `${p[1]} ${p[2]}`; last.set(id, Math.max(last.get(id) ?? 0, Number(p[3]))); }
  assert.equal([...last.values()].reduce((a, b) => a + b, 0) + late.length, 3000);
  // On: partials crossed the keyBy and were merged; off: every record crossed, no merge.
  assert.ok(on.merges > 0, 'pre-aggregation on: the windows merged partials');
  assert.equal(off.merges, 0);
  assert.equal(off.crossed, 3000);
  assert.ok(on.crossed < 3000 * 0.6, `pre-aggregation on: ${on.crossed} records crossed the keyBy`);
});

test('sliding windows (100 ms every 25 ms, 3 keys) pre-aggregated per pane at parallelism 2: identical output on and off', { timeout: 60_000 }, async () => {
  const [on, off] = await Promise.all([run('on', ['--slide', '25', '--keys', '3']), run('off', ['--slide', '25', '--keys', '3'])]);
  assert.deepEqual(on.lines, off.lines);
  assert.ok(off.lines.filter((l) => l.startsWith('L ')).length > 20, 'some records are late for all their windows');
  assert.ok(on.merges > 0);
  assert.equal(off.merges, 0);
  assert.ok(on.crossed < off.crossed * 0.7, `pre-aggregation on: ${on.crossed} records crossed the keyBy, off: ${off.crossed}`);
});
