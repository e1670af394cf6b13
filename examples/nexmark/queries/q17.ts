// q17 — auction statistics per (auction, day): bid counts by price band, min, max, average (BIGINT, truncated as Flink's AVG) and sum of prices.
//
// A KeyedProcessFunction per (auction, day) with the 7 aggregates in a ValueState. The key is one
// number, auction × 100,000 + the UTC day number (exact while auction ids stay below 9 · 10^10 and
// days below 100,000, i.e. before the year 2243), so no string is built per bid. Output model: an
// upsert stream keyed by (auction, day), a row per bid (Flink: an updating changelog); for a
// bounded input (`buildFinal`) each key's last row only, emitted when the input ends.

import { ValueStateDescriptor, type Bid, type DataStream, type KeyedProcessFunction, type NexmarkEvent, type RuntimeContext, type ValueState } from 'weir';
import { band } from './distinct-stats.ts';
import { END_OF_INPUT, bids, dayName, dayNumber, type NexmarkQuery, type Row } from './query.ts';

type Stats = readonly [total: number, r1: number, r2: number, r3: number, min: number, max: number, sum: number];

const DAYS = 100_000;

function row(key: number, s: Stats): Row {
  const auction = Math.floor(key / DAYS);
  return [auction, dayName(key - auction * DAYS), s[0], s[1], s[2], s[3], s[4], s[5], Math.trunc(s[6] / s[0]), s[6]];
}

function statistics(events: DataStream<NexmarkEvent>, final: boolean): DataStream<Row> {
  return bids(events).keyBy((b: Bid) => b.auction * DAYS + dayNumber(b.dateTime))
    .process((): KeyedProcessFunction<number, Bid, Row> => {
      let stats!: ValueState<Stats>;
      return {
        open(ctx: RuntimeContext) { stats = ctx.getState(new ValueStateDescriptor<Stats>('stats')); },
        processElement(b: Bid, ctx, out) {
          const s = stats.value();
          const r = band(b.price);
          const next: Stats = s === undefined
            ? [1, r === 1 ? 1 : 0, r === 2 ? 1 : 0, r === 3 ? 1 : 0, b.price, b.price, b.price]
            : [s[0] + 1, s[1] + (r === 1 ? 1 : 0), s[2] + (r === 2 ? 1 : 0), s[3] + (r === 3 ? 1 : 0), Math.min(s[4], b.price), Math.max(s[5], b.price), s[6] + b.price];
          stats.update(next);
          if (!final) out.collect(row(ctx.getCurrentKey(), next));
          else if (s === undefined) ctx.timerService().registerEventTimeTimer(END_OF_INPUT);
        },
        onTimer(_t, ctx, out) {
          const s = stats.value();
          if (s !== undefined) out.collect(row(ctx.getCurrentKey(), s));
        },
      };
    }, 'q17: statistics per auction and day');
}

export const q17: NexmarkQuery = {
  name: 'q17',
  columns: ['auction', 'day', 'total_bids', 'rank1_bids', 'rank2_bids', 'rank3_bids', 'min_price', 'max_price', 'avg_price', 'sum_price'],
  build: (events) => statistics(events, false),
  buildFinal: (events) => statistics(events, true),
  upsertKey: (r: Row) => `${r[0]}|${r[1]}`,
};
