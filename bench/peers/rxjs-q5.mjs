// Nexmark q5 with RxJS as a user would write it without event time: bids → their five 10 s windows (sliding
// by 2 s) → groupBy(window) → reduce counts per auction → the auctions at the window's maximum.
//
//   node --import tsx bench/peers/rxjs-q5.mjs --events N
//
// RxJS has no watermarks, so a window's group completes when the input does (fine for a bounded input: the
// same final rows as Weir and the reference). Events are generated inside the timed section.

import { Observable, filter, groupBy, mergeMap, reduce } from 'rxjs';
import { createGenerators } from '../../src/connectors/nexmark/index.ts';
import { eventsArg, printQ5Result } from './q5-common.mjs';

const events = eventsArg();
const started = performance.now();
const result = { rows: 0, checksum: 0 };
const events$ = new Observable((subscriber) => {
  for (const g of createGenerators({ events }, 1)) for (let k = 0; k < g.range.maxEvents; k++) subscriber.next(g.event(k));
  subscriber.complete();
});
events$.pipe(
  filter((e) => e.type === 2),
  mergeMap((e) => {
    const b = e.bid;
    const windows = [];
    for (let start = Math.floor(b.dateTime / 2000) * 2000; start > b.dateTime - 10_000; start -= 2000) windows.push([start, b.auction]);
    return windows;
  }),
  groupBy(([start]) => start),
  mergeMap((window$) => window$.pipe(
    reduce((counts, [, auction]) => counts.set(auction, (counts.get(auction) ?? 0) + 1), new Map()),
    mergeMap((counts) => {
      let max = 0;
      for (const n of counts.values()) if (n > max) max = n;
      return [...counts].filter(([, n]) => n >= max);
    }),
  )),
).subscribe({
  next: ([auction]) => { result.rows++; result.checksum = (result.checksum + auction) | 0; },
  complete: () => printQ5Result(events, result, started),
});
