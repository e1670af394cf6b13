// q5 — hot items: per 10 s window sliding by 2 s, the auctions with the most bids (count ≥ the window's maximum).
//
// Stage 1 counts bids in 2 s panes (the combiner the query's comment names), keyed by (pane, auction
// bucket) rather than by auction: a bid adds 1 to its auction's count in the MapState auction → count
// of its pane and bucket (auction mod 32, so that the panes' work spreads over the subtasks). When the
// watermark passes the pane's end − 1 (one event-time timer per pane and bucket), the pane's counts
// go out as one record, once for each of the five 10 s windows that hold the pane. A bid whose five
// windows are all behind the watermark is late and dropped (as the window operator drops it).
// Stage 2, a KeyedProcessFunction keyed by window start, collects the window's pane records and,
// when the watermark reaches the window's end − 1, sums each auction's counts over the window's
// panes, takes the maximum and emits the auctions at it. A pane record that reaches a window stage
// 2 has already fired (a late bid's pane) is dropped: a late bid counts in the windows not yet
// behind the watermark when it came, as in SlidingEventTimeWindows.of(10 s, 2 s). Exactly the
// counts of those windows (for windows with at least one bid), at one state update per bid and a
// few hundred records per window instead of one record and timer per auction and window (measured:
// see docs/nexmark.md). Append-only, as in Flink (a window join there).

import {
  ListStateDescriptor, MapStateDescriptor, type Bid, type DataStream, type KeyedProcessFunction, type ListState, type MapState,
  type NexmarkEvent, type RuntimeContext,
} from 'weir';
import { bids, type NexmarkQuery, type Row } from './query.ts';

const SIZE = 10_000;
const SLIDE = 2_000;
const PANES = SIZE / SLIDE;
const BUCKETS = 32;

/** One pane's counts for one window: [auction, count, auction, count, …] (shared by the pane's five records; never mutated). */
type PaneCounts = readonly [windowStart: number, counts: readonly number[]];

const paneOf = (t: number): number => t - (((t % SLIDE) + SLIDE) % SLIDE);

/** (pane index, auction bucket) as one number: pane / SLIDE · BUCKETS + auction mod BUCKETS. */
const paneBucket = (b: Bid): number => (paneOf(b.dateTime) / SLIDE) * BUCKETS + (((b.auction % BUCKETS) + BUCKETS) % BUCKETS);

/** Bid counts per auction and 2 s pane, one record per window that holds the pane, at the pane's end − 1. */
function paneCounts(input: DataStream<Bid>): DataStream<PaneCounts> {
  return input.keyBy(paneBucket).process((): KeyedProcessFunction<number, Bid, PaneCounts> => {
    let counts!: MapState<number, number>;
    return {
      open(ctx: RuntimeContext) { counts = ctx.getMapState(new MapStateDescriptor<number, number>('bids-per-auction')); },
      processElement(b: Bid, ctx) {
        const timers = ctx.timerService();
        const pane = paneOf(b.dateTime);
        // Late: the last window holding the pane is behind the watermark (an early cut: stage 2 would drop all five records).
        if (pane + SIZE - 1 <= timers.currentWatermark()) return;
        const n = counts.get(b.auction);
        if (n === undefined && counts.isEmpty()) timers.registerEventTimeTimer(pane + SLIDE - 1);
        counts.put(b.auction, (n ?? 0) + 1);
      },
      onTimer(t, _ctx, out) {
        const flat: number[] = [];
        for (const [auction, n] of counts.entries()) flat.push(auction, n);
        counts.clear();
        // The pane is [t + 1 − SLIDE, t + 1); the windows holding it start at pane − SIZE + SLIDE … pane.
        const pane = t + 1 - SLIDE;
        for (let i = 0; i < PANES; i++) out.collect([pane - i * SLIDE, flat]);
      },
    };
  }, 'q5: bids per auction and pane');
}

export const q5: NexmarkQuery = {
  name: 'q5',
  columns: ['auction', 'num'],
  build(events: DataStream<NexmarkEvent>): DataStream<Row> {
    return paneCounts(bids(events)).keyBy((c) => c[0]).process((): KeyedProcessFunction<number, PaneCounts, Row> => {
      let panes!: ListState<readonly number[]>;
      return {
        open(ctx: RuntimeContext) { panes = ctx.getListState(new ListStateDescriptor<readonly number[]>('pane-counts')); },
        processElement([start, counts], ctx) {
          const timers = ctx.timerService();
          // The window fired already (the pane of late bids): they count only in later windows.
          if (start + SIZE - 1 <= timers.currentWatermark()) return;
          let first = true;
          for (const _ of panes.get()) { first = false; break; }
          if (first) timers.registerEventTimeTimer(start + SIZE - 1);
          panes.add(counts);
        },
        onTimer(_t, _ctx, out) {
          const perAuction = new Map<number, number>();
          let max = 0;
          for (const flat of panes.get()) {
            for (let i = 0; i < flat.length; i += 2) {
              const n = (perAuction.get(flat[i]!) ?? 0) + flat[i + 1]!;
              perAuction.set(flat[i]!, n);
              if (n > max) max = n;
            }
          }
          panes.clear();
          for (const [auction, n] of perAuction) if (n >= max) out.collect([auction, n]);
        },
      };
    }, 'q5: auctions at the window maximum');
  },
};
