// q18 — find last bid: per (bidder, auction), the bid with the latest dateTime (ROW_NUMBER … DESC ≤ 1, a deduplication).
//
// A KeyedProcessFunction keyed by bidder keeps, per auction of that bidder (MapState auction →
// bid), the latest bid and emits a bid at least as late (a tie: the one that came later). Keyed by
// bidder rather than by (bidder, auction): the same groups, but ~15× fewer keys on generated input
// (so one end-of-input timer per bidder instead of one per pair, and a small key-group table to look
// up); measured in docs/nexmark.md. Output model: an upsert stream keyed by (bidder, auction) (Flink:
// a retracting changelog); for a bounded input (`buildFinal`) the job keeps each pair's latest bid
// and writes it once, when the input ends.

import { MapStateDescriptor, type Bid, type DataStream, type KeyedProcessFunction, type MapState, type NexmarkEvent, type RuntimeContext } from 'weir';
import { END_OF_INPUT, bids, type NexmarkQuery, type Row } from './query.ts';

const toRow = (b: Bid): Row => [b.auction, b.bidder, b.price, b.channel, b.url, b.dateTime, b.extra];

/** The latest bid per (bidder, auction): a row per bid that is the latest so far (upserts), or with `final` each pair's last one once, at the end. */
function latestBids(events: DataStream<NexmarkEvent>, final: boolean): DataStream<Row> {
  return bids(events).keyBy((b: Bid) => b.bidder)
    .process((): KeyedProcessFunction<number, Bid, Row> => {
      let latest!: MapState<number, Bid>;
      return {
        open(ctx: RuntimeContext) { latest = ctx.getMapState(new MapStateDescriptor<number, Bid>('latest-bid-per-auction')); },
        processElement(b: Bid, ctx, out) {
          const t = latest.get(b.auction);
          if (t !== undefined && b.dateTime < t.dateTime) return;
          // The bidder's first bid: its end-of-input timer (one per bidder; the map's emptiness says "first").
          if (final && t === undefined && latest.isEmpty()) ctx.timerService().registerEventTimeTimer(END_OF_INPUT);
          latest.put(b.auction, b);
          if (!final) out.collect(toRow(b));
        },
        onTimer(_t, _ctx, out) {
          for (const b of latest.values()) out.collect(toRow(b));
        },
      };
    }, 'q18: last bid per bidder and auction');
}

export const q18: NexmarkQuery = {
  name: 'q18',
  columns: ['auction', 'bidder', 'price', 'channel', 'url', 'dateTime', 'extra'],
  build: (events) => latestBids(events, false),
  buildFinal: (events) => latestBids(events, true),
  upsertKey: (r: Row) => `${r[1]}|${r[0]}`,
};
