// q17 — auction statistics per (auction, day): bid counts by price band, min, max, average (BIGINT, truncated as Flink's AVG) and sum of prices.
//
// A KeyedProcessFunction per (auction, day) with the 7 aggregates in a ValueState. Output model: an
// upsert stream keyed by (auction, day), a row per bid (Flink: an updating changelog); for a
// bounded input the job writes the last row per key.

import { ValueStateDescriptor, type Bid, type DataStream, type KeyedProcessFunction, type NexmarkEvent, type RuntimeContext, type ValueState } from 'weir';
import { band } from './distinct-stats.ts';
import { bids, day, type NexmarkQuery, type Row } from './query.ts';

type Stats = readonly [total: number, r1: number, r2: number, r3: number, min: number, max: number, sum: number];

export const q17: NexmarkQuery = {
  name: 'q17',
  columns: ['auction', 'day', 'total_bids', 'rank1_bids', 'rank2_bids', 'rank3_bids', 'min_price', 'max_price', 'avg_price', 'sum_price'],
  build: (events: DataStream<NexmarkEvent>): DataStream<Row> => bids(events).keyBy((b: Bid) => `${b.auction}|${day(b.dateTime)}`)
    .process((): KeyedProcessFunction<string, Bid, Row> => {
      let stats!: ValueState<Stats>;
      return {
        open(ctx: RuntimeContext) { stats = ctx.getState(new ValueStateDescriptor<Stats>('stats')); },
        processElement(b: Bid, _ctx, out) {
          const s = stats.value() ?? [0, 0, 0, 0, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0];
          const r = band(b.price);
          const next: Stats = [s[0] + 1, s[1] + (r === 1 ? 1 : 0), s[2] + (r === 2 ? 1 : 0), s[3] + (r === 3 ? 1 : 0),
            Math.min(s[4], b.price), Math.max(s[5], b.price), s[6] + b.price];
          stats.update(next);
          out.collect([b.auction, day(b.dateTime), next[0], next[1], next[2], next[3], next[4], next[5], Math.trunc(next[6] / next[0]), next[6]]);
        },
      };
    }, 'q17: statistics per auction and day'),
  upsertKey: (r: Row) => `${r[0]}|${r[1]}`,
};
