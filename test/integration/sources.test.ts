// Sources end to end (inline): a large file shared by parallel readers through byte-range splits; a rate-limited generator.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  StreamExecutionEnvironment, type Collector, type ProcessContext, type ProcessFunction, type RuntimeContext,
} from '../../src/index.ts';
import { readOutputLines, removeDir, runWeir, tempDir } from './helpers.ts';

/** Tags each line with the subtask that read it (a field set in open(): one instance per subtask). */
class TagWithSubtask implements ProcessFunction<string, [number, string]> {
  subtask = -1;
  open(ctx: RuntimeContext): void { this.subtask = ctx.subtaskIndex; }
  processElement(line: string, _ctx: ProcessContext, out: Collector<[number, string]>): void { out.collect([this.subtask, line]); }
}

test('one file cut into byte ranges is read by 3 parallel readers: every line exactly once', { timeout: 120_000 }, async () => {
  const dir = tempDir('split');
  try {
    const lines = Array.from({ length: 5000 }, (_, i) => `line ${i} ${'é'.repeat(i % 7)} ${'x'.repeat(i % 50)}`);
    const file = join(dir, 'big.txt');
    writeFileSync(file, `${lines.join('\n')}\n`);
    const env = StreamExecutionEnvironment.getExecutionEnvironment({ parallelism: 3 });
    const seen = new Set<number>();
    const out = await env
      .readTextFile(file, { splitSize: 4096 })
      .process(() => new TagWithSubtask())
      .executeAndCollect();
    assert.equal(out.length, lines.length);
    assert.deepEqual(out.map(([, l]) => l).sort(), [...lines].sort());
    for (const [s] of out) seen.add(s);
    assert.equal(seen.size, 3, 'all three readers took part');
  } finally {
    removeDir(dir);
  }
});

test('a rate-limited generator never runs ahead of its rate, and emits every record once', { timeout: 120_000 }, async () => {
  const env = StreamExecutionEnvironment.getExecutionEnvironment({ parallelism: 2 });
  const started = performance.now();
  const out = await env.fromGenerator((i) => i, { count: 600, ratePerSecond: 2000 }).executeAndCollect();
  const seconds = (performance.now() - started) / 1000;
  assert.deepEqual([...out].sort((a, b) => a - b), Array.from({ length: 600 }, (_, i) => i));
  // 600 records at 2,000/s cannot take less than ~0.3 s (a lower bound only: no upper time limit is asserted).
  assert.ok(seconds >= 0.25, `600 records at 2000/s took only ${seconds.toFixed(3)} s`);
});

test('inline, a function object with open() shared by parallel subtasks is refused before the run; a factory is fine', { timeout: 120_000 }, async () => {
  const env = StreamExecutionEnvironment.getExecutionEnvironment({ parallelism: 2 });
  const shared = { open() {}, processElement(v: number, _ctx: unknown, out: { collect(v: number): void }) { out.collect(v); } };
  await assert.rejects(env.fromElements(1, 2, 3).process(shared as never).name('Shared').executeAndCollect(), /operator "Shared": its function object \(with open\(\)\) would be shared by 2 subtasks/);
  const env2 = StreamExecutionEnvironment.getExecutionEnvironment({ parallelism: 2 });
  const out = await env2.fromElements(1, 2, 3).process(() => ({ ...shared })).executeAndCollect();
  assert.deepEqual([...out].sort(), [1, 2, 3]);
});

test('weir run -p 2 over one 8 MiB file: both readers take splits on request, every line once', { timeout: 120_000 }, async () => {
  const dir = tempDir('split-readers');
  try {
    const file = join(dir, 'input.txt');
    const lines = Array.from({ length: 200_000 }, (_, i) => `${i} ${'x'.repeat(30 + (i % 20))}`);
    writeFileSync(file, `${lines.join('\n')}\n`);
    const out = join(dir, 'out');
    const r = await runWeir(['run', 'test/integration/jobs/split-readers-job.ts', '--input', file, '--output', out, '-p', '2', '--no-progress'], { timeoutMs: 90_000 });
    assert.equal(r.code, 0, r.stderr);
    const tagged = readOutputLines(out);
    assert.equal(tagged.length, lines.length);
    const bySubtask = [0, 0];
    const seen = new Set<number>();
    for (const t of tagged) {
      const tab = t.indexOf('\t');
      const subtask = Number(t.slice(0, tab));
      bySubtask[subtask]!++;
      seen.add(Number(t.slice(tab + 1, t.indexOf(' ', tab))));
    }
    assert.equal(seen.size, lines.length, 'every line exactly once');
    // ~8.4 MB at 1 MiB splits: 8 splits; each reader took at least one of them (≥ 1/9 of the lines).
    for (const [s, n] of bySubtask.entries()) assert.ok(n > lines.length / 9, `reader ${s} read ${n} of ${lines.length} lines (${bySubtask.join(' / ')})`);
  } finally {
    removeDir(dir);
  }
});
