// q11 — user sessions: bids per bidder per session (event-time session windows, gap 10 s), with the session's start and end.
//
// Weir's EventTimeSessionWindows (merging windows, as Flink's SESSION group window): a session is
// [first bid, last bid + 10 s); bids up to 10 s apart (inclusive) share one. Append-only.

import { EventTimeSessionWindows, type Bid, type Collector, type DataStream, type NexmarkEvent, type ProcessWindowContext } from 'weir';
import { bids, type NexmarkQuery, type Row } from './query.ts';

export const q11: NexmarkQuery = {
  name: 'q11',
  columns: ['bidder', 'bid_count', 'starttime', 'endtime'],
  build: (events: DataStream<NexmarkEvent>): DataStream<Row> => bids(events).keyBy((b: Bid) => b.bidder)
    .window(EventTimeSessionWindows.withGap(10_000))
    .aggregate(
      { createAccumulator: () => 0, add: (_b: Bid, n: number) => n + 1, getResult: (n: number) => n, merge: (a: number, b: number) => a + b },
      {
        process(bidder: number, ctx: ProcessWindowContext, ns: Iterable<number>, out: Collector<Row>) {
          for (const n of ns) out.collect([bidder, n, ctx.window.start, ctx.window.end]);
        },
      },
    ).name('q11: bids per session'),
};
