// q7 — highest bid: the bids whose price is the maximum of a 10 s tumbling window, B.dateTime BETWEEN window_end − 10 s AND window_end.
//
// The maximum per window over all bids (windowAll: one subtask, as Flink's global GROUP BY
// window) carries the window's end − 1 as timestamp; an event-time interval join keyed by price
// pairs it with the bids in [end − 10 s, end] (both bounds inclusive, as SQL's BETWEEN: a bid at
// exactly window_end matches too). Append-only. Columns in the SELECT list's order (auction, price, bidder…).
//
// Ahead of the join, each subtask drops the bids that cannot match (`candidates`): a bid below the
// running maximum this subtask has seen for its window is below that window's maximum, so it can
// only match the previous window's maximum, and only when it lies on that window's end (its own
// window's start) — then it is compared with the previous window's running maximum too. Exact
// (the running maxima only ever underestimate the windows' maxima), and the join buffers a few
// bids per window instead of all of them. The running maxima are a cache, not state: after a
// restore the filter starts empty and lets more through, never fewer. Flink's plan has no such filter.

import { TumblingEventTimeWindows, type Bid, type Collector, type DataStream, type NexmarkEvent, type ProcessFunction, type ProcessWindowContext } from 'weir';
import { bids, type NexmarkQuery, type Row } from './query.ts';

const SIZE = 10_000;
/** Windows whose running maximum a subtask remembers (the newest ones; older bids simply pass). */
const REMEMBERED = 8;

/** Drops bids that are below a window maximum they would have to equal (see the file comment). */
function candidates(input: DataStream<Bid>): DataStream<Bid> {
  return input.process((): ProcessFunction<Bid, Bid> => {
    const maxima = new Map<number, number>();
    return {
      processElement(b: Bid, _ctx, out: Collector<Bid>) {
        const start = b.dateTime - (b.dateTime % SIZE);
        const max = maxima.get(start);
        if (max === undefined || b.price >= max) {
          if (max === undefined) {
            maxima.set(start, b.price);
            if (maxima.size > REMEMBERED) maxima.delete(Math.min(...maxima.keys()));
          } else if (b.price > max) maxima.set(start, b.price);
          out.collect(b);
          return;
        }
        // Below its own window's maximum: it may still be the previous window's maximum if it lies on that window's end.
        if (b.dateTime === start) {
          const previous = maxima.get(start - SIZE);
          if (previous === undefined || b.price >= previous) out.collect(b);
        }
      },
    };
  }, 'q7: drop bids below a running maximum');
}

export const q7: NexmarkQuery = {
  name: 'q7',
  columns: ['auction', 'price', 'bidder', 'dateTime', 'extra'],
  build(events: DataStream<NexmarkEvent>): DataStream<Row> {
    const all = bids(events);
    const maxima = all.map((b: Bid) => b.price, 'q7: prices').windowAll(TumblingEventTimeWindows.of(SIZE)).reduce(
      (a: number, b: number) => (a > b ? a : b),
      { process(_ctx: ProcessWindowContext, ms: Iterable<number>, out: Collector<number>) { for (const m of ms) out.collect(m); } },
    ).name('q7: max price per window');
    return maxima.keyBy((m: number) => m).intervalJoin(candidates(all).keyBy((b: Bid) => b.price)).between(-(SIZE - 1), 1).process({
      processElement(_max: number, b: Bid, _ctx, out: Collector<Row>) { out.collect([b.auction, b.price, b.bidder, b.dateTime, b.extra]); },
    }, 'q7: bids at the maximum');
  },
};
