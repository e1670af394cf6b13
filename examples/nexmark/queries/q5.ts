// q5 — hot items: per 10 s window sliding by 2 s, the auctions with the most bids (count ≥ the window's maximum).
//
// Stage 1 counts bids per auction and sliding window with panes (the combiner the query's
// comment names), in a KeyedProcessFunction keyed by auction rather than the window operator: a
// bid adds 1 to its 2 s pane (MapState pane start → count); a new pane registers event-time timers
// at the ends − 1 of the five 10 s windows that hold it, and each timer emits the window's count,
// the sum of its five panes, with the window's start, then drops the pane no later window holds.
// Exactly the counts of SlidingEventTimeWindows.of(10 s, 2 s) for windows with at least one bid,
// at one state update per bid instead of five (measured: see docs/nexmark.md).
// Stage 2, a KeyedProcessFunction keyed by window start, keeps the maximum and the auctions at
// it and emits them when the watermark passes the window's end (a timer at end − 1, the counts'
// own timestamp). Append-only, as in Flink (a window join there).

import {
  ListStateDescriptor, MapStateDescriptor, ValueStateDescriptor, type Bid, type DataStream, type KeyedProcessFunction, type ListState,
  type MapState, type NexmarkEvent, type RuntimeContext, type ValueState,
} from 'weir';
import { bids, type NexmarkQuery, type Row } from './query.ts';

const SIZE = 10_000;
const SLIDE = 2_000;
const PANES = SIZE / SLIDE;

type Count = readonly [auction: number, num: number, windowStart: number];

/** Bid counts per auction and sliding window, from 2 s panes. */
function countsPerWindow(input: DataStream<Bid>): DataStream<Count> {
  return input.keyBy((b: Bid) => b.auction).process((): KeyedProcessFunction<number, Bid, Count> => {
    let panes!: MapState<number, number>;
    return {
      open(ctx: RuntimeContext) { panes = ctx.getMapState(new MapStateDescriptor<number, number>('bids-per-pane')); },
      processElement(b: Bid, ctx) {
        const pane = b.dateTime - (b.dateTime % SLIDE);
        const n = panes.get(pane);
        if (n === undefined) {
          // Timers of one key at one time are one timer: a window shared with another pane is registered once.
          for (let i = 1; i <= PANES; i++) ctx.timerService().registerEventTimeTimer(pane + i * SLIDE - 1);
        }
        panes.put(pane, (n ?? 0) + 1);
      },
      onTimer(t, ctx, out) {
        const end = t + 1;
        const start = end - SIZE;
        let num = 0;
        for (let p = start; p < end; p += SLIDE) num += panes.get(p) ?? 0;
        if (num > 0) out.collect([ctx.getCurrentKey(), num, start]);
        panes.remove(start);
      },
    };
  }, 'q5: bids per auction and window');
}

export const q5: NexmarkQuery = {
  name: 'q5',
  columns: ['auction', 'num'],
  build(events: DataStream<NexmarkEvent>): DataStream<Row> {
    return countsPerWindow(bids(events)).keyBy((c) => c[2]).process((): KeyedProcessFunction<number, Count, Row> => {
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
