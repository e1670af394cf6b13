// q5 — hot items: per 10 s window sliding by 2 s, the auctions with the most bids (count ≥ the window's maximum).
//
// Sliding event-time windows count per auction (the window's start travels with each count);
// a KeyedProcessFunction keyed by window start keeps the maximum and the auctions at it, and
// emits them when the watermark passes the window's end (an event-time timer at end − 1, the
// counts' own timestamp). Append-only, as in Flink (a window join there).

import {
  ListStateDescriptor, SlidingEventTimeWindows, ValueStateDescriptor, type Bid, type Collector, type DataStream, type KeyedProcessFunction,
  type ListState, type NexmarkEvent, type ProcessWindowContext, type RuntimeContext, type ValueState,
} from 'weir';
import { bids, type NexmarkQuery, type Row } from './query.ts';

const SIZE = 10_000;
const SLIDE = 2_000;

export const q5: NexmarkQuery = {
  name: 'q5',
  columns: ['auction', 'num'],
  build(events: DataStream<NexmarkEvent>): DataStream<Row> {
    const counts = bids(events).keyBy((b: Bid) => b.auction).window(SlidingEventTimeWindows.of(SIZE, SLIDE)).aggregate(
      { createAccumulator: () => 0, add: (_b: Bid, n: number) => n + 1, getResult: (n: number) => n, merge: (a: number, b: number) => a + b },
      {
        process(auction: number, ctx: ProcessWindowContext, ns: Iterable<number>, out: Collector<readonly [number, number, number]>) {
          for (const n of ns) out.collect([auction, n, ctx.window.start]);
        },
      },
    ).name('q5: bids per auction and window');
    return counts.keyBy((c) => c[2]).process((): KeyedProcessFunction<number, readonly [number, number, number], Row> => {
      let max!: ValueState<number>;
      let top!: ListState<Row>;
      return {
        open(ctx: RuntimeContext) {
          max = ctx.getState(new ValueStateDescriptor<number>('max'));
          top = ctx.getListState(new ListStateDescriptor<Row>('auctions-at-max'));
        },
        processElement([auction, n, start], ctx) {
          const m = max.value();
          if (m === undefined) ctx.timerService().registerEventTimeTimer(start + SIZE - 1);
          if (m !== undefined && n < m) return;
          if (m === undefined || n > m) { max.update(n); top.clear(); }
          top.add([auction, n]);
        },
        onTimer(_t, _ctx, out) {
          for (const r of top.get()) out.collect(r);
          top.clear();
          max.clear();
        },
      };
    }, 'q5: auctions at the window maximum');
  },
};
