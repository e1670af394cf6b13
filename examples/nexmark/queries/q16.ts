// q16 — channel statistics per (channel, day): as q15, plus the latest minute (max of HH:mm) of the group's bids.
//
// Output model: an upsert stream keyed by (channel, day); for a bounded input (`buildFinal`) each
// group's final row once, when the input ends.

import type { Bid, DataStream, NexmarkEvent } from 'weir';
import { distinctStats } from './distinct-stats.ts';
import { bids, dayName, dayNumber, hourMinute, type NexmarkQuery, type Row } from './query.ts';

/** Grouped by `channel|day number` (the channel may hold '|', the day number does not: split at the last one). */
const perChannelAndDay = (events: DataStream<NexmarkEvent>, final: boolean): DataStream<Row> => distinctStats(
  bids(events), 'q16: statistics per channel and day', (b: Bid) => `${b.channel}|${dayNumber(b.dateTime)}`,
  (key: string, minute, c) => { const at = key.lastIndexOf('|'); return [key.slice(0, at), dayName(Number(key.slice(at + 1))), minute, ...c]; },
  final,
  (previous, b) => { const m = hourMinute(b.dateTime); return m > previous ? m : previous; },
);

export const q16: NexmarkQuery = {
  name: 'q16',
  columns: ['channel', 'day', 'minute', 'total_bids', 'rank1_bids', 'rank2_bids', 'rank3_bids', 'total_bidders', 'rank1_bidders', 'rank2_bidders',
    'rank3_bidders', 'total_auctions', 'rank1_auctions', 'rank2_auctions', 'rank3_auctions'],
  build: (events) => perChannelAndDay(events, false),
  buildFinal: (events) => perChannelAndDay(events, true),
  upsertKey: (r: Row) => `${r[0]}|${r[1]}`,
};
