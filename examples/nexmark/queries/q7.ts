// q7 — highest bid: the bids whose price is the maximum of a 10 s tumbling window, B.dateTime BETWEEN window_end − 10 s AND window_end.
//
// The maximum per window over all bids (windowAll: one subtask, as Flink's global GROUP BY
// window) carries the window's end − 1 as timestamp; an event-time interval join keyed by price
// pairs it with the bids in [end − 10 s, end] (both bounds inclusive, as SQL's BETWEEN: a bid at
// exactly window_end matches too). Append-only. Columns in the SELECT list's order (auction, price, bidder…).

import { TumblingEventTimeWindows, type Bid, type Collector, type DataStream, type NexmarkEvent, type ProcessWindowContext } from 'weir';
import { bids, type NexmarkQuery, type Row } from './query.ts';

export const q7: NexmarkQuery = {
  name: 'q7',
  columns: ['auction', 'price', 'bidder', 'dateTime', 'extra'],
  build(events: DataStream<NexmarkEvent>): DataStream<Row> {
    const all = bids(events);
    const maxima = all.map((b: Bid) => b.price, 'q7: prices').windowAll(TumblingEventTimeWindows.of(10_000)).reduce(
      (a: number, b: number) => (a > b ? a : b),
      { process(_ctx: ProcessWindowContext, ms: Iterable<number>, out: Collector<number>) { for (const m of ms) out.collect(m); } },
    ).name('q7: max price per window');
    return maxima.keyBy((m: number) => m).intervalJoin(all.keyBy((b: Bid) => b.price)).between(-9_999, 1).process({
      processElement(_max: number, b: Bid, _ctx, out: Collector<Row>) { out.collect([b.auction, b.price, b.bidder, b.dateTime, b.extra]); },
    }, 'q7: bids at the maximum');
  },
};
