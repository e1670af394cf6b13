// Watermark alignment: the group's maximum allowed watermark (minimum + drift) over its source subtasks, in the JobManager and through a job.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StreamExecutionEnvironment, WatermarkStrategy } from '../index.ts';
import { GeneratorSource } from '../connectors/generator/generator-source.ts';
import { WatermarkAlignment } from './watermark-alignment.ts';

test('the maximum is the minimum over every member + drift; unreported members hold it at −∞; idle or finished (+∞) ones do not count', () => {
  const a = new WatermarkAlignment([{ group: 'g', maxDrift: 100, members: ['0.0', '0.1', '1.0'] }]);
  assert.equal(a.report('g', '0.0', 500), Number.NEGATIVE_INFINITY, 'two members have not reported');
  assert.equal(a.report('g', '0.1', 300), undefined, 'still −∞: nothing new to announce');
  assert.equal(a.report('g', '1.0', 1000), 400);
  assert.equal(a.report('g', '0.0', 600), undefined, 'the minimum (0.1 at 300) did not move');
  assert.equal(a.report('g', '0.1', Number.POSITIVE_INFINITY), 700, 'an idle member no longer holds the group');
  assert.equal(a.report('g', '0.0', Number.POSITIVE_INFINITY), 1100);
  assert.equal(a.report('other', '0.0', 5), undefined);
  assert.equal(a.report('g', '9.9', 5), undefined, 'not a member');
});

interface Ev { readonly src: 'A' | 'B'; readonly ts: number }

/** A: event time 1 s per record; B: 1 ms per record. Returns the largest lead of A over B seen downstream. */
async function maxLead(aligned: boolean): Promise<{ lead: number; count: number }> {
  const env = StreamExecutionEnvironment.getExecutionEnvironment({ parallelism: 1, bufferSize: 16 });
  const strategy = (): WatermarkStrategy<Ev> => {
    const s = WatermarkStrategy.forGenerator<Ev>(() => ({ onEvent: (_e, ts, out) => out.emitWatermark(ts), onPeriodicEmit() {} }))
      .withTimestampAssigner((e) => e.ts);
    return aligned ? s.withWatermarkAlignment('g', 5000, 2) : s;
  };
  const a = env.fromSource(new GeneratorSource<Ev>((i) => ({ src: 'A', ts: i * 1000 }), { count: 60 }), strategy(), 'A');
  const b = env.fromSource(new GeneratorSource<Ev>((i) => ({ src: 'B', ts: i }), { count: 60_000 }), strategy(), 'B');
  let maxA = Number.NEGATIVE_INFINITY;
  let maxB = Number.NEGATIVE_INFINITY;
  let lead = 0;
  const out = await a.union(b).process({
    processElement(e: Ev, _ctx, collector) {
      if (e.src === 'A') { maxA = Math.max(maxA, e.ts); lead = Math.max(lead, maxA - Math.max(maxB, 0)); } else maxB = Math.max(maxB, e.ts);
      collector.collect(1);
    },
  }).executeAndCollect();
  return { lead, count: out.length };
}

test('withWatermarkAlignment: a source far ahead in event time pauses until the group catches up', { timeout: 60_000 }, async (t) => {
  const aligned = await maxLead(true);
  assert.equal(aligned.count, 60_060, 'every record read, none lost to pausing');
  // Slack: A reads one buffer (16 records = 16 s) past the allowed maximum before it checks again.
  assert.ok(aligned.lead <= 5000 + 16_000 + 1000, `A led B by ${aligned.lead} ms`);
  const free = await maxLead(false);
  t.diagnostic(`lead with alignment ${aligned.lead} ms, without ${free.lead} ms`);
  assert.ok(free.lead > 40_000, `control: without alignment A runs ahead (led by ${free.lead} ms)`);
});
