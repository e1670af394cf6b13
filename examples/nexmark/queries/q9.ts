// q9 — winning bids: per auction, its highest bid within its lifetime (ties: the earliest), with the auction's and the bid's columns.
//
// The lifetime join of winning-bids.ts with ROW_NUMBER() … ≤ 1 as "replace the best bid when a
// better one comes" (price higher, or equal and earlier). Output model: an upsert stream keyed
// by auction id (Flink: a retracting Top-1 changelog); for a bounded input (`buildFinal`) the job
// writes each auction's final row once, when the input ends, which is the SQL's result.

import type { DataStream, NexmarkEvent } from 'weir';
import { winningBids } from './winning-bids.ts';
import type { NexmarkQuery, Row } from './query.ts';

const best = (events: DataStream<NexmarkEvent>, final: boolean): DataStream<Row> => winningBids(
  events, 'q9',
  (b, best) => b.price > best.price || (b.price === best.price && b.dateTime < best.dateTime),
  (a, b) => [a.id, a.itemName, a.description, a.initialBid, a.reserve, a.dateTime, a.expires, a.seller, a.category, a.extra,
    b.auction, b.bidder, b.price, b.dateTime, b.extra],
  final,
);

export const q9: NexmarkQuery = {
  name: 'q9',
  columns: ['id', 'itemName', 'description', 'initialBid', 'reserve', 'dateTime', 'expires', 'seller', 'category', 'extra',
    'auction', 'bidder', 'price', 'bid_dateTime', 'bid_extra'],
  build: (events) => best(events, false),
  buildFinal: (events) => best(events, true),
  upsertKey: (r: Row) => r[0] as number,
};
