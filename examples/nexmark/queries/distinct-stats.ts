// The bidding statistics of q15 and q16: bid counts by price band and distinct bidders and auctions (each total and per band), per group.
//
// A KeyedProcessFunction per group: 12 counters in a ValueState (a fresh array per update, so
// copy-on-write snapshots stay exact) and the distinct sets as one MapState (bidder or auction
// id × 8 + kind × 4 + band → true). Every bid emits the group's new row: an upsert stream keyed by
// the group (Flink: an updating changelog, mini-batched there); for a bounded input, each group's
// final row once at the end instead.

import { MapStateDescriptor, ValueStateDescriptor, type Bid, type DataStream, type Key, type KeyedProcessFunction, type MapState, type RuntimeContext, type ValueState } from 'weir';
import { END_OF_INPUT, type Row } from './query.ts';

/** 1: price < 10,000; 2: < 1,000,000; 3: above. */
export function band(price: number): 1 | 2 | 3 {
  return price < 10_000 ? 1 : price < 1_000_000 ? 2 : 3;
}

/**
 * `row(group key, latest extra column state, counts)`; `extra(previous, bid)` keeps one extra per-group value
 * (q16's max minute). `final`: each group's row once, when the input ends (a bounded input's final table),
 * instead of a row per bid.
 */
export function distinctStats<K extends Key>(
  input: DataStream<Bid>, name: string, key: (b: Bid) => K,
  row: (key: K, extra: string, counts: readonly number[]) => Row, final: boolean, extra?: (previous: string, b: Bid) => string,
): DataStream<Row> {
  return input.keyBy(key).process((): KeyedProcessFunction<K, Bid, Row> => {
    let counts!: ValueState<readonly number[]>;
    let more!: ValueState<string>;
    let seen!: MapState<number, boolean>;
    const distinct = (id: number, kind: number, b: number, next: number[], at: number): void => {
      const k = id * 8 + kind * 4 + b;
      if (seen.contains(k)) return;
      seen.put(k, true);
      next[at]!++;
    };
    return {
      open(ctx: RuntimeContext) {
        counts = ctx.getState(new ValueStateDescriptor<readonly number[]>('counts'));
        more = ctx.getState(new ValueStateDescriptor<string>('extra'));
        seen = ctx.getMapState(new MapStateDescriptor<number, boolean>('distinct'));
      },
      processElement(bid: Bid, ctx, out) {
        const previous = counts.value();
        const next = [...(previous ?? ZEROS)];
        const r = band(bid.price);
        next[0]!++;
        next[r]!++;
        distinct(bid.bidder, 0, 0, next, 4);
        distinct(bid.bidder, 0, r, next, 4 + r);
        distinct(bid.auction, 1, 0, next, 8);
        distinct(bid.auction, 1, r, next, 8 + r);
        counts.update(next);
        let x = '';
        if (extra !== undefined) {
          x = extra(more.value() ?? '', bid);
          more.update(x);
        }
        if (!final) out.collect(row(ctx.getCurrentKey(), x, next));
        else if (previous === undefined) ctx.timerService().registerEventTimeTimer(END_OF_INPUT);
      },
      onTimer(_t, ctx, out) {
        const c = counts.value();
        if (c !== undefined) out.collect(row(ctx.getCurrentKey(), more.value() ?? '', c));
      },
    };
  }, name);
}

const ZEROS: readonly number[] = new Array<number>(12).fill(0);
