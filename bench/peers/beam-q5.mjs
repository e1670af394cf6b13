// Nexmark q5 with Apache Beam's TypeScript SDK on its direct runner: bids with event timestamps → sliding
// windows (10 s every 2 s) → countPerElement(auction) → one group per window → the auctions at the maximum.
//
//   node --import tsx bench/peers/beam-q5.mjs --events N
//
// The events are generated in the timed section, as Weir's source and the reference generate them; `create`
// needs them in an array first. Function bodies are re-evaluated from source by the runner, so results come
// back through a global (see beam-wordcount.mjs).

import * as beam from 'apache-beam';
import Long from 'long';
import { directRunner } from 'apache-beam/runners/direct_runner';
import { countPerElement, groupBy } from 'apache-beam/transforms/group_and_combine';
import { slidingWindows } from 'apache-beam/transforms/windowings';
import { windowInto, assignTimestamps } from 'apache-beam/transforms/window';
import { createGenerators } from '../../src/connectors/nexmark/index.ts';
import { eventsArg, printQ5Result } from './q5-common.mjs';

const events = eventsArg();
const started = performance.now();
const result = { rows: 0, checksum: 0 };
globalThis.weirBenchQ5 = result;
const bids = [];
for (const g of createGenerators({ events }, 1)) {
  for (let k = 0; k < g.range.maxEvents; k++) {
    const e = g.event(k);
    if (e.type === 2) bids.push({ auction: e.bid.auction, dateTime: e.bid.dateTime });
  }
}
globalThis.weirBenchLong = Long;
function eventTime(b) { return globalThis.weirBenchLong.fromNumber(b.dateTime); }
function auctionOf(b) { return b.auction; }
// One group per window (groupGlobally() of this SDK version drops its values: it reads kv[1] of a {key, value}).
function oneGroup() { return 0; }
function* atMaximum(kv) {
  const counts = [...kv.value];
  let max = 0;
  for (const c of counts) if (c.count > max) max = c.count;
  for (const c of counts) if (c.count >= max) yield [c.element, c.count];
}
function collect(row) {
  const r = globalThis.weirBenchQ5;
  r.rows++;
  r.checksum = (r.checksum + row[0]) | 0;
  return row;
}
await directRunner().run((root) => {
  root.apply(beam.create(bids))
    .apply(assignTimestamps(eventTime))
    .apply(windowInto(slidingWindows(10, 2)))
    .map(auctionOf)
    .apply(countPerElement())
    .apply(groupBy(oneGroup))
    .flatMap(atMaximum)
    .map(collect);
});
printQ5Result(events, result, started);
