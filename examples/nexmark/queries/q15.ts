// q15 — bidding statistics per day: bid counts by price band, distinct bidders and auctions (total and per band).
//
// Output model: an upsert stream keyed by day, one row per bid (Flink: an updating changelog);
// for a bounded input (`buildFinal`) the job writes each day's final row once, when the input ends.
// See distinct-stats.ts.

import type { Bid, DataStream, NexmarkEvent } from 'weir';
import { distinctStats } from './distinct-stats.ts';
import { bids, dayName, dayNumber, type NexmarkQuery, type Row } from './query.ts';

/** Grouped by the UTC day number (a number key; the day's name only in the row). */
const perDay = (events: DataStream<NexmarkEvent>, final: boolean): DataStream<Row> => distinctStats(
  bids(events), 'q15: statistics per day', (b: Bid) => dayNumber(b.dateTime), (d: number, _x, c) => [dayName(d), ...c], final,
);

export const q15: NexmarkQuery = {
  name: 'q15',
  columns: ['day', 'total_bids', 'rank1_bids', 'rank2_bids', 'rank3_bids', 'total_bidders', 'rank1_bidders', 'rank2_bidders', 'rank3_bidders',
    'total_auctions', 'rank1_auctions', 'rank2_auctions', 'rank3_auctions'],
  build: (events) => perDay(events, false),
  buildFinal: (events) => perDay(events, true),
  upsertKey: (r: Row) => r[0] as string,
};
