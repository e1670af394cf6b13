// Watermark alignment through weir run (sources on worker threads, the minimum kept by the JobManager): the fast source stays within the drift.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runWeir } from './helpers.ts';

const JOB = 'test/integration/jobs/alignment-job.ts';

function lead(stdout: string): number {
  const m = /lead (\d+) records 200200/.exec(stdout);
  assert.ok(m, `no result line in ${stdout.slice(-500)}`);
  return Number(m[1]);
}

test('withWatermarkAlignment across worker threads: a source 1000× faster in event time pauses; without it, it runs ahead', { timeout: 120_000 }, async (t) => {
  const aligned = await runWeir(['run', JOB, '--aligned', '-p', '2', '--no-progress']);
  assert.equal(aligned.code, 0, aligned.stderr);
  const free = await runWeir(['run', JOB, '-p', '2', '--no-progress']);
  assert.equal(free.code, 0, free.stderr);
  t.diagnostic(`lead with alignment ${lead(aligned.stdout)} ms, without ${lead(free.stdout)} ms`);
  // Slack beyond the 5 s drift: each A subtask may read one buffer (16 records, 32 s at stride 2) past the limit.
  assert.ok(lead(aligned.stdout) <= 5000 + 32_000 + 5000, `A led B by ${lead(aligned.stdout)} ms`);
  assert.ok(lead(free.stdout) > 100_000, `control: A led B by only ${lead(free.stdout)} ms`);
});
