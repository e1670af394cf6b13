// q22 — URL directories: SPLIT_INDEX(url, '/', 3), (…, 4), (…, 5) of every bid (NULL past the end). Append-only.

import type { Collector, DataStream, NexmarkEvent } from 'weir';
import type { NexmarkQuery, Row } from './query.ts';

export const q22: NexmarkQuery = {
  name: 'q22',
  columns: ['auction', 'bidder', 'price', 'channel', 'dir1', 'dir2', 'dir3'],
  build: (events: DataStream<NexmarkEvent>): DataStream<Row> => events.flatMap((e: NexmarkEvent, out: Collector<Row>) => {
    if (e.type !== 2) return;
    const b = e.bid;
    const parts = b.url.split('/');
    out.collect([b.auction, b.bidder, b.price, b.channel, parts[3] ?? null, parts[4] ?? null, parts[5] ?? null]);
  }, 'q22: split url'),
};
