// q12 — processing-time windows: bids per bidder per 10 s tumbling window of processing time.
//
// Where Weir differs: Flink's PROCTIME() windows fire on the wall clock. Weir's processing-time
// windows do not fire at the end of a bounded input (they would lose the last windows) and are
// refused in BATCH, so q12 uses ingestion time instead: each bid is stamped with the wall clock
// (Date.now()) as it enters the query, with monotonous watermarks, and 10 s event-time tumbling
// windows run on that stamp. Same windows and counts, closed by the ingestion watermark (or the
// end of input) rather than by a timer, in STREAMING and BATCH. Results depend on when the events
// are read, so the test checks invariants (counts per bidder, aligned 10 s windows), not rows.

import { TumblingEventTimeWindows, WatermarkStrategy, type Bid, type Collector, type DataStream, type NexmarkEvent, type ProcessWindowContext } from 'weir';
import { bids, type NexmarkQuery, type Row } from './query.ts';

export const q12: NexmarkQuery = {
  name: 'q12',
  columns: ['bidder', 'bid_count', 'starttime', 'endtime'],
  build: (events: DataStream<NexmarkEvent>): DataStream<Row> => bids(events).map((b: Bid) => [b.bidder, Date.now()] as const, 'q12: ingestion time')
    .assignTimestampsAndWatermarks(WatermarkStrategy.forMonotonousTimestamps<readonly [number, number]>().withTimestampAssigner((r) => r[1]), 'q12: p_time')
    .keyBy((r) => r[0])
    .window(TumblingEventTimeWindows.of(10_000))
    .aggregate(
      { createAccumulator: () => 0, add: (_r: readonly [number, number], n: number) => n + 1, getResult: (n: number) => n, merge: (a: number, b: number) => a + b },
      {
        process(bidder: number, ctx: ProcessWindowContext, ns: Iterable<number>, out: Collector<Row>) {
          for (const n of ns) out.collect([bidder, n, ctx.window.start, ctx.window.end]);
        },
      },
    ).name('q12: bids per bidder and window'),
};
