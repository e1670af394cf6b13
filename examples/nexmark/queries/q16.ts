// q16 — channel statistics per (channel, day): as q15, plus the latest minute (max of HH:mm) of the group's bids.
//
// Output model: an upsert stream keyed by (channel, day); for a bounded input the last row per key.

import type { Bid, DataStream, NexmarkEvent } from 'weir';
import { distinctStats } from './distinct-stats.ts';
import { bids, day, hourMinute, type NexmarkQuery, type Row } from './query.ts';

export const q16: NexmarkQuery = {
  name: 'q16',
  columns: ['channel', 'day', 'minute', 'total_bids', 'rank1_bids', 'rank2_bids', 'rank3_bids', 'total_bidders', 'rank1_bidders', 'rank2_bidders',
    'rank3_bidders', 'total_auctions', 'rank1_auctions', 'rank2_auctions', 'rank3_auctions'],
  build: (events: DataStream<NexmarkEvent>): DataStream<Row> => distinctStats(
    bids(events), 'q16: statistics per channel and day', (b: Bid) => `${b.channel}|${day(b.dateTime)}`,
    (b, minute, c) => [b.channel, day(b.dateTime), minute, ...c],
    (previous, b) => { const m = hourMinute(b.dateTime); return m > previous ? m : previous; },
  ),
  upsertKey: (r: Row) => `${r[0]}|${r[1]}`,
};
