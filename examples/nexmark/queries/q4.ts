// q4 — average price for a category: AVG over the auctions of each category of the auction's winning (highest) price within its lifetime.
//
// Two levels, as Flink's plan: the lifetime join with MAX per auction (winning-bids.ts, an upsert
// stream per auction), then per category a map auction → its current maximum with the sum and
// count, so a raised maximum replaces the old one (what Flink's retraction does). AVG of BIGINT is
// a BIGINT (truncated), as in Flink. Output model: an upsert stream keyed by category (Flink:
// a retracting changelog); for a bounded input the job writes the last row per category.

import { MapStateDescriptor, ValueStateDescriptor, type DataStream, type KeyedProcessFunction, type MapState, type NexmarkEvent, type RuntimeContext, type ValueState } from 'weir';
import { winningBids } from './winning-bids.ts';
import type { NexmarkQuery, Row } from './query.ts';

export const q4: NexmarkQuery = {
  name: 'q4',
  columns: ['id', 'final'],
  build(events: DataStream<NexmarkEvent>): DataStream<Row> {
    const maxima = winningBids(events, 'q4', (b, best) => b.price > best.price, (a, b) => [a.id, a.category, b.price]);
    return maxima.keyBy((r: Row) => r[1] as number).process((): KeyedProcessFunction<number, Row, Row> => {
      let finals!: MapState<number, number>;
      let totals!: ValueState<readonly [number, number]>;
      return {
        open(ctx: RuntimeContext) {
          finals = ctx.getMapState(new MapStateDescriptor<number, number>('final-per-auction'));
          totals = ctx.getState(new ValueStateDescriptor<readonly [number, number]>('sum-count'));
        },
        processElement(r: Row, ctx, out) {
          const id = r[0] as number;
          const price = r[2] as number;
          const old = finals.get(id);
          const [sum, count] = totals.value() ?? [0, 0];
          const next: readonly [number, number] = old === undefined ? [sum + price, count + 1] : [sum + price - old, count];
          finals.put(id, price);
          totals.update(next);
          out.collect([ctx.getCurrentKey(), Math.trunc(next[0] / next[1])]);
        },
      };
    }, 'q4: AVG per category');
  },
  upsertKey: (r: Row) => r[0] as number,
};
