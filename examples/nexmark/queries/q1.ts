// q1 — currency conversion: every bid with its price as 0.908 · price euros, DECIMAL(23, 3) written exactly. Append-only.

import type { Bid, DataStream, NexmarkEvent } from 'weir';
import { bids, euros, type NexmarkQuery, type Row } from './query.ts';

export const q1: NexmarkQuery = {
  name: 'q1',
  columns: ['auction', 'bidder', 'price', 'dateTime', 'extra'],
  build: (events: DataStream<NexmarkEvent>) => bids(events).map((b: Bid): Row => [b.auction, b.bidder, euros(b.price), b.dateTime, b.extra], 'q1: to euros'),
};
