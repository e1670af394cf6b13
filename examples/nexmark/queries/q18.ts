// q18 — find last bid: per (bidder, auction), the bid with the latest dateTime (ROW_NUMBER … DESC ≤ 1, a deduplication).
//
// A KeyedProcessFunction keeps the latest dateTime per key and emits a bid at least as late (a tie:
// the one that came later). Output model: an upsert stream keyed by (bidder, auction) (Flink: a
// retracting changelog); for a bounded input the job writes the last row per key.

import { ValueStateDescriptor, type Bid, type DataStream, type KeyedProcessFunction, type NexmarkEvent, type RuntimeContext, type ValueState } from 'weir';
import { bids, type NexmarkQuery, type Row } from './query.ts';

export const q18: NexmarkQuery = {
  name: 'q18',
  columns: ['auction', 'bidder', 'price', 'channel', 'url', 'dateTime', 'extra'],
  build: (events: DataStream<NexmarkEvent>): DataStream<Row> => bids(events).keyBy((b: Bid) => `${b.bidder}|${b.auction}`)
    .process((): KeyedProcessFunction<string, Bid, Row> => {
      let latest!: ValueState<number>;
      return {
        open(ctx: RuntimeContext) { latest = ctx.getState(new ValueStateDescriptor<number>('latest')); },
        processElement(b: Bid, _ctx, out) {
          const t = latest.value();
          if (t !== undefined && b.dateTime < t) return;
          latest.update(b.dateTime);
          out.collect([b.auction, b.bidder, b.price, b.channel, b.url, b.dateTime, b.extra]);
        },
      };
    }, 'q18: last bid per bidder and auction'),
  upsertKey: (r: Row) => `${r[1]}|${r[0]}`,
};
