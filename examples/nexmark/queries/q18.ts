// q18 — find last bid: per (bidder, auction), the bid with the latest dateTime (ROW_NUMBER … DESC ≤ 1, a deduplication).
//
// A KeyedProcessFunction keeps the latest bid per key and emits a bid at least as late (a tie:
// the one that came later). Output model: an upsert stream keyed by (bidder, auction) (Flink: a
// retracting changelog); for a bounded input (`buildFinal`) the job keeps each key's latest bid and
// writes it once, when the input ends.

import { ValueStateDescriptor, type Bid, type DataStream, type KeyedProcessFunction, type NexmarkEvent, type RuntimeContext, type ValueState } from 'weir';
import { END_OF_INPUT, bids, type NexmarkQuery, type Row } from './query.ts';

/**
 * (bidder, auction) as one number while both ids fit (bidder < 2^26, auction < 2^26: the product stays
 * below 2^52, exact), else as a string; no string is built per bid on inputs of up to ~10^9 events.
 */
const pairKey = (b: Bid): number | string => (b.bidder < 2 ** 26 && b.auction < 2 ** 26 && b.bidder >= 0 && b.auction >= 0 ? b.bidder * 2 ** 26 + b.auction : `${b.bidder}|${b.auction}`);

const toRow = (b: Bid): Row => [b.auction, b.bidder, b.price, b.channel, b.url, b.dateTime, b.extra];

/** The latest bid per key: a row per bid that is the latest so far (upserts), or with `final` each key's last one once, at the end. */
function latestBids(events: DataStream<NexmarkEvent>, final: boolean): DataStream<Row> {
  return bids(events).keyBy(pairKey)
    .process((): KeyedProcessFunction<number | string, Bid, Row> => {
      let latest!: ValueState<Bid>;
      return {
        open(ctx: RuntimeContext) { latest = ctx.getState(new ValueStateDescriptor<Bid>('latest-bid')); },
        processElement(b: Bid, ctx, out) {
          const t = latest.value();
          if (t !== undefined && b.dateTime < t.dateTime) return;
          latest.update(b);
          if (!final) out.collect(toRow(b));
          else if (t === undefined) ctx.timerService().registerEventTimeTimer(END_OF_INPUT);
        },
        onTimer(_t, _ctx, out) {
          const b = latest.value();
          if (b !== undefined) out.collect(toRow(b));
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
