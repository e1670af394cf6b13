// Two sources in one watermark alignment group, one 1000× faster in event time; prints the largest lead of the fast one seen downstream.
//
//   weir run test/integration/jobs/alignment-job.ts [--aligned] [-p N]
//
// Source A: record i at event time i s (200 records); source B: record i at i ms (200,000). With
// --aligned (maxDrift 5 s) A pauses whenever it is more than 5 s ahead of B; without, it runs ahead.

import { StreamExecutionEnvironment, WatermarkStrategy, type Source } from 'weir';
import { GeneratorSource } from '../../../src/connectors/generator/generator-source.ts';

interface Ev { readonly src: 'A' | 'B'; readonly ts: number }

const env = StreamExecutionEnvironment.getExecutionEnvironment({ bufferSize: 16 });
const aligned = env.getParameters().getBoolean('aligned');
const strategy = (): WatermarkStrategy<Ev> => {
  const s = WatermarkStrategy.forGenerator<Ev>(() => ({ onEvent: (_e, ts, out) => out.emitWatermark(ts), onPeriodicEmit() {} }))
    .withTimestampAssigner((e) => e.ts);
  return aligned ? s.withWatermarkAlignment('g', 5000, 5) : s;
};
const source = (src: 'A' | 'B', step: number, count: number): Source<Ev> => new GeneratorSource<Ev>((i) => ({ src, ts: i * step }), { count });
const a = env.fromSource(source('A', 1000, 200), strategy(), 'A').uid('a');
const b = env.fromSource(source('B', 1, 200_000), strategy(), 'B').uid('b');
let maxA = Number.NEGATIVE_INFINITY;
let maxB = 0;
let lead = 0;
let seen = 0;
a.union(b)
  .process({
    processElement(e: Ev, _ctx, out) {
      seen++;
      if (e.src === 'A') { maxA = Math.max(maxA, e.ts); lead = Math.max(lead, maxA - maxB); } else maxB = Math.max(maxB, e.ts);
      if (seen === 200_200) out.collect(`lead ${lead} records ${seen}`);
    },
  })
  .setParallelism(1)
  .uid('lead')
  .print()
  .setParallelism(1);
await env.execute('alignment');
