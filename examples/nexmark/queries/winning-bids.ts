// The "winning bids" join of q4 and q9: bids of an auction within its lifetime (A.dateTime ≤ B.dateTime ≤ A.expires), kept per auction.
//
// A regular join with a time predicate, keyed by auction id: the auction is kept forever and bids
// that come before their auction wait for it, as Flink's regular join keeps both sides (no TTL).
// Both sides come as one stream, the auctions and bids of the events keyed by auction id
// (`auctionsAndBids`), into one KeyedProcessFunction: the same as connecting the two keyed streams
// into a KeyedCoProcessFunction, but a one-input operator chains to the source at parallelism 1. The function calls `better(bid, best)` per matching bid and emits
// `row(auction, bid)` whenever the auction's best bid changes: an upsert stream keyed by auction id
// (Flink: a retracting Top-1 / MAX). With `final` (a bounded input), it emits each auction's row
// once instead, when the input ends (an event-time timer at END_OF_INPUT set when the auction
// comes): the upsert stream's last row per auction, without a row per change.

import {
  ListStateDescriptor, ValueStateDescriptor, type Auction, type Bid, type Collector, type DataStream, type KeyedProcessFunction,
  type ListState, type NexmarkEvent, type RuntimeContext, type ValueState,
} from 'weir';
import { END_OF_INPUT, auctionsAndBids, type AuctionOrBid, type Row } from './query.ts';

export function winningBids(
  events: DataStream<NexmarkEvent>, name: string, better: (bid: Bid, best: Bid) => boolean, row: (a: Auction, b: Bid) => Row, final = false,
): DataStream<Row> {
  return auctionsAndBids(events).process((): KeyedProcessFunction<number, AuctionOrBid, Row> => {
    let auction!: ValueState<Auction>;
    let best!: ValueState<Bid>;
    let waiting!: ListState<Bid>;
    const offer = (a: Auction, b: Bid, out: Collector<Row>): void => {
      if (b.dateTime < a.dateTime || b.dateTime > a.expires) return;
      const current = best.value();
      if (current !== undefined && !better(b, current)) return;
      best.update(b);
      if (!final) out.collect(row(a, b));
    };
    return {
      open(ctx: RuntimeContext) {
        auction = ctx.getState(new ValueStateDescriptor<Auction>('auction'));
        best = ctx.getState(new ValueStateDescriptor<Bid>('best-bid'));
        waiting = ctx.getListState(new ListStateDescriptor<Bid>('bids-before-auction'));
      },
      processElement(e: AuctionOrBid, ctx, out: Collector<Row>) {
        if (e.type === 2) {
          const a = auction.value();
          if (a === undefined) waiting.add(e.bid);
          else offer(a, e.bid, out);
          return;
        }
        const a = e.auction;
        if (final && auction.value() === undefined) ctx.timerService().registerEventTimeTimer(END_OF_INPUT);
        auction.update(a);
        const early = waiting.get();
        if (early.length === 0) return;
        const replay = [...early];
        waiting.clear();
        for (const b of replay) offer(a, b, out);
      },
      onTimer(_t, _ctx, out: Collector<Row>) {
        const a = auction.value();
        const b = best.value();
        if (a !== undefined && b !== undefined) out.collect(row(a, b));
      },
    };
  }, `${name}: auction ⋈ bid within its lifetime`);
}
