// Micro-benchmark of the window operator alone: the windows benchmark's events through a tumbling event-time
// count+sum window driven by OperatorHarness (no task, no channel), CPU time per event, same process.
//   node --import tsx bench/window-operator.ts [events=2000000] [rounds=5]
//
// Per event the harness calls the key selector, keyGroupFor and setCurrentKey, then processElement; a watermark
// (max timestamp − DISORDER − 1, as forBoundedOutOfOrderness) every 1,000 events. The figure is the minimum
// over the rounds of process CPU time / events (the least disturbed round on a shared machine).

import assert from 'node:assert/strict';
import { TumblingEventTimeWindows } from '../src/api/windows/assigners.ts';
import type { Collector } from '../src/core/types.ts';
import type { ProcessWindowContext } from '../src/api/windows/window-functions.ts';
import { OperatorHarness, windowSpec } from '../src/testing/index.ts';
import { DISORDER, expectedTotals, makeEvent } from './windows-events.mjs';

type Event = [number, number, number];
const events = Number(process.argv[2] ?? 2_000_000);
const rounds = Number(process.argv[3] ?? 5);
const input: Event[] = Array.from({ length: events }, (_, i) => makeEvent(i, 10, 1000) as Event);

async function round(): Promise<{ cpuNs: number; count: number; sum: number; fired: number }> {
  let fired = 0;
  let count = 0;
  let sum = 0;
  const h = OperatorHarness.forSpec(windowSpec<Event, unknown>({
    assigner: TumblingEventTimeWindows.of(10_000),
    fn: {
      kind: 'aggregate',
      aggregate: {
        createAccumulator: () => [0, 0],
        add: (e: Event, acc: [number, number]) => { acc[0] += 1; acc[1] += e[2]; return acc; },
        getResult: (acc: [number, number]) => acc,
        merge: (x: [number, number], y: [number, number]) => [x[0] + y[0], x[1] + y[1]],
      },
      process: {
        process(_key: number, _ctx: ProcessWindowContext, results: Iterable<[number, number]>, _out: Collector<unknown>) {
          for (const [c, s] of results) { fired++; count += c; sum += s; }
        },
      },
    },
    allowedLateness: 0,
  } as never), { keySelector: (e: Event) => e[1] });
  await h.open();
  let max = Number.NEGATIVE_INFINITY;
  const t0 = process.cpuUsage();
  for (let i = 0; i < events; i++) {
    const e = input[i]!;
    h.processElement(e, e[0]);
    if (e[0] > max) max = e[0];
    if (i % 1000 === 999) h.processWatermark(max - DISORDER - 1);
  }
  h.processWatermark(Number.POSITIVE_INFINITY);
  const t = process.cpuUsage(t0);
  h.takeOutput();
  await h.close();
  return { cpuNs: ((t.user + t.system) * 1000) / events, count, sum, fired };
}

const want = expectedTotals(events);
let best = Number.POSITIVE_INFINITY;
for (let r = 0; r < rounds; r++) {
  const x = await round();
  assert.equal(x.count, want.count);
  assert.equal(x.sum, want.sum);
  best = Math.min(best, x.cpuNs);
  process.stdout.write(`round ${r + 1}: ${x.cpuNs.toFixed(1)} ns CPU per event (${x.fired} windows fired)\n`);
}
process.stdout.write(`window operator: ${best.toFixed(1)} ns CPU per event (min of ${rounds})\n`);
