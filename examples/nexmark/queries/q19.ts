// q19 — auction top-10 price: per auction its 10 highest bids with their rank (ROW_NUMBER() OVER (PARTITION BY auction ORDER BY price DESC) ≤ 10).
//
// A KeyedProcessFunction keeps the auction's top 10 in a ValueState (a fresh array per change);
// a bid that enters moves the ranks below it down, and the function emits the new row of every
// rank that changed. Ties in price, which ROW_NUMBER leaves to the engine, are broken by dateTime,
// bidder and extra (ascending), so the result is deterministic. Output model: an upsert stream
// keyed by (auction, rank_number) (Flink: a retracting Top-N changelog); ranks are never
// removed, only replaced, so the last row per key is the SQL's result for a bounded input; with a
// bounded input (`buildFinal`) the job emits each auction's final top 10 once, when the input ends.

import { ValueStateDescriptor, type Bid, type DataStream, type KeyedProcessFunction, type NexmarkEvent, type RuntimeContext, type ValueState } from 'weir';
import { END_OF_INPUT, bids, type NexmarkQuery, type Row } from './query.ts';

const N = 10;

/** Ranks first: higher price, then earlier, then lower bidder id, then extra. */
function before(a: Bid, b: Bid): boolean {
  if (a.price !== b.price) return a.price > b.price;
  if (a.dateTime !== b.dateTime) return a.dateTime < b.dateTime;
  if (a.bidder !== b.bidder) return a.bidder < b.bidder;
  return a.extra < b.extra;
}

const toRow = (x: Bid, rank: number): Row => [x.auction, x.bidder, x.price, x.channel, x.url, x.dateTime, x.extra, rank];

function topBids(events: DataStream<NexmarkEvent>, final: boolean): DataStream<Row> {
  return bids(events).keyBy((b: Bid) => b.auction)
    .process((): KeyedProcessFunction<number, Bid, Row> => {
      let top!: ValueState<readonly Bid[]>;
      return {
        open(ctx: RuntimeContext) { top = ctx.getState(new ValueStateDescriptor<readonly Bid[]>('top')); },
        processElement(b: Bid, ctx, out) {
          const current = top.value();
          let at = current === undefined ? 0 : current.length;
          while (at > 0 && before(b, current![at - 1]!)) at--;
          if (at >= N) return;
          const next = current === undefined ? [b] : [...current.slice(0, at), b, ...current.slice(at, N - 1)];
          top.update(next);
          if (final) {
            if (current === undefined) ctx.timerService().registerEventTimeTimer(END_OF_INPUT);
            return;
          }
          for (let i = at; i < next.length; i++) out.collect(toRow(next[i]!, i + 1));
        },
        onTimer(_t, _ctx, out) {
          const current = top.value();
          if (current !== undefined) for (let i = 0; i < current.length; i++) out.collect(toRow(current[i]!, i + 1));
        },
      };
    }, 'q19: top 10 bids per auction');
}

export const q19: NexmarkQuery = {
  name: 'q19',
  columns: ['auction', 'bidder', 'price', 'channel', 'url', 'dateTime', 'extra', 'rank_number'],
  build: (events) => topBids(events, false),
  buildFinal: (events) => topBids(events, true),
  upsertKey: (r: Row) => `${r[0]}|${r[7]}`,
};
