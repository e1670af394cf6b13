// q20 — expand bid with auction: every bid with the columns of its auction, for auctions of category 10 (bid ⋈ auction on auction = id).
//
// A regular inner join keyed by auction id (auctions and bids as one keyed stream into a
// KeyedProcessFunction, `auctionsAndBids`, which chains at p=1 where a co-process does not): a category-10 auction is
// kept forever (as Flink, no TTL); bids that come before their auction wait for it; an auction of
// another category leaves a marker so its bids are dropped at once. Append-only (both inputs
// append and an auction id occurs once), the same rows as Flink's.

import {
  ListStateDescriptor, ValueStateDescriptor, type Auction, type Bid, type Collector, type DataStream, type KeyedProcessFunction, type ListState,
  type NexmarkEvent, type RuntimeContext, type ValueState,
} from 'weir';
import { auctionsAndBids, type AuctionOrBid, type NexmarkQuery, type Row } from './query.ts';

const row = (b: Bid, a: Auction): Row => [b.auction, b.bidder, b.price, b.channel, b.url, b.dateTime, b.extra,
  a.itemName, a.description, a.initialBid, a.reserve, a.dateTime, a.expires, a.seller, a.category, a.extra];

export const q20: NexmarkQuery = {
  name: 'q20',
  columns: ['auction', 'bidder', 'price', 'channel', 'url', 'bid_dateTime', 'bid_extra', 'itemName', 'description', 'initialBid', 'reserve',
    'auction_dateTime', 'expires', 'seller', 'category', 'auction_extra'],
  build(events: DataStream<NexmarkEvent>): DataStream<Row> {
    return auctionsAndBids(events).process((): KeyedProcessFunction<number, AuctionOrBid, Row> => {
      /** The auction when of category 10, 0 when of another one. */
      let auction!: ValueState<Auction | 0>;
      let waiting!: ListState<Bid>;
      return {
        open(ctx: RuntimeContext) {
          auction = ctx.getState(new ValueStateDescriptor<Auction | 0>('auction'));
          waiting = ctx.getListState(new ListStateDescriptor<Bid>('bids-before-auction'));
        },
        processElement(e: AuctionOrBid, _ctx, out: Collector<Row>) {
          if (e.type === 2) {
            const a = auction.value();
            if (a === undefined) waiting.add(e.bid);
            else if (a !== 0) out.collect(row(e.bid, a));
            return;
          }
          const a = e.auction;
          if (a.category !== 10) { auction.update(0); waiting.clear(); return; }
          auction.update(a);
          for (const b of waiting.get()) out.collect(row(b, a));
          waiting.clear();
        },
      };
    }, 'q20: bid ⋈ auction (category 10)');
  },
};
