// q0 — pass through: five columns of every bid (measures the source and the engine). Append-only, as in Flink.

import type { Bid, DataStream, NexmarkEvent } from 'weir';
import { bids, type NexmarkQuery, type Row } from './query.ts';

export const q0: NexmarkQuery = {
  name: 'q0',
  columns: ['auction', 'bidder', 'price', 'dateTime', 'extra'],
  build: (events: DataStream<NexmarkEvent>) => bids(events).map((b: Bid): Row => [b.auction, b.bidder, b.price, b.dateTime, b.extra], 'q0: project'),
};
