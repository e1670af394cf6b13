// q21 — add channel id: '0'..'3' for the channels Apple, Google, Facebook, Baidu (any case), else the url's channel_id parameter; bids with neither are dropped. Append-only.

import type { Collector, DataStream, NexmarkEvent } from 'weir';
import type { NexmarkQuery, Row } from './query.ts';

const KNOWN: Record<string, string> = { apple: '0', google: '1', facebook: '2', baidu: '3' };
/** REGEXP_EXTRACT(url, '(&|^)channel_id=([^&]*)', 2). */
const CHANNEL_ID = /(?:&|^)channel_id=([^&]*)/;

export const q21: NexmarkQuery = {
  name: 'q21',
  columns: ['auction', 'bidder', 'price', 'channel', 'channel_id'],
  build: (events: DataStream<NexmarkEvent>): DataStream<Row> => events.flatMap((e: NexmarkEvent, out: Collector<Row>) => {
    if (e.type !== 2) return;
    const b = e.bid;
    const id = KNOWN[b.channel.toLowerCase()] ?? CHANNEL_ID.exec(b.url)?.[1];
    if (id !== undefined) out.collect([b.auction, b.bidder, b.price, b.channel, id]);
  }, 'q21: channel id'),
};
