// q2 — selection: auction and price of the bids on every 123rd auction (MOD(auction, 123) = 0). Append-only.

import type { Collector, DataStream, NexmarkEvent } from 'weir';
import type { NexmarkQuery, Row } from './query.ts';

export const q2: NexmarkQuery = {
  name: 'q2',
  columns: ['auction', 'price'],
  build: (events: DataStream<NexmarkEvent>) => events.flatMap((e: NexmarkEvent, out: Collector<Row>) => {
    if (e.type === 2 && e.bid.auction % 123 === 0) out.collect([e.bid.auction, e.bid.price]);
  }, 'q2: select'),
};
