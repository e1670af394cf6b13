// q14 — calculation: bids with 1e6 < 0.908 · price < 5e7, their euro price, a time-of-day class of HOUR(dateTime) (UTC) and the count of 'c' in extra. Append-only.

import type { Collector, DataStream, NexmarkEvent } from 'weir';
import { euros, type NexmarkQuery, type Row } from './query.ts';

/** The reference's UDF count_char(extra, 'c'). */
function countChar(s: string, c: number): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) === c) n++;
  return n;
}

function bidTimeType(ms: number): string {
  const hour = Math.floor(ms / 3_600_000) % 24;
  return hour >= 8 && hour <= 18 ? 'dayTime' : hour <= 6 || hour >= 20 ? 'nightTime' : 'otherTime';
}

export const q14: NexmarkQuery = {
  name: 'q14',
  columns: ['auction', 'bidder', 'price', 'bidTimeType', 'dateTime', 'extra', 'c_counts'],
  build: (events: DataStream<NexmarkEvent>): DataStream<Row> => events.flatMap((e: NexmarkEvent, out: Collector<Row>) => {
    if (e.type !== 2) return;
    const b = e.bid;
    const thousandths = b.price * 908; // 0.908 · price in thousandths, exact
    if (thousandths <= 1e9 || thousandths >= 5e10) return;
    out.collect([b.auction, b.bidder, euros(b.price), bidTimeType(b.dateTime), b.dateTime, b.extra, countChar(b.extra, 99)]);
  }, 'q14: calculate'),
};
