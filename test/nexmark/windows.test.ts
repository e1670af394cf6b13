// Nexmark windowed queries: q5 (sliding windows, max per window), q7 (tumbling max + interval join), q8 (window coGroup), q11 (session windows) against DuckDB, q12 (ingestion-time windows) against a plain loop; STREAMING and BATCH.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { q5 } from '../../examples/nexmark/queries/q5.ts';
import { q7 } from '../../examples/nexmark/queries/q7.ts';
import { q8 } from '../../examples/nexmark/queries/q8.ts';
import { q11 } from '../../examples/nexmark/queries/q11.ts';
import { q12 } from '../../examples/nexmark/queries/q12.ts';
import { EventTimeSessionWindows, SlidingEventTimeWindows, StreamExecutionEnvironment, WatermarkStrategy, type Bid, type Collector, type DataStream, type NexmarkEvent, type ProcessWindowContext } from '../../src/index.ts';
import { bids, csvLine, type Row } from '../../examples/nexmark/queries/query.ts';
import { Reference, assertSameLines, checkQuery, eventsOf, testConfig, weirLines } from './harness.ts';

const config = testConfig(20_000);
let ref: Reference;
before(async () => { ref = await Reference.load(eventsOf(config)); });
after(() => ref.close());

test('q5 hot items: HOP(2 s, 10 s) counts at the window maximum', async () => {
  await checkQuery(q5, config, await ref.lines(`
    WITH w AS (SELECT auction, (dateTime // 2000) * 2000 - i * 2000 AS ws FROM bid CROSS JOIN range(5) t(i)),
         counts AS (SELECT auction, ws, count(*) AS num FROM w GROUP BY auction, ws),
         maxes AS (SELECT ws, max(num) AS maxn FROM counts GROUP BY ws)
    SELECT c.auction, c.num FROM counts c JOIN maxes m ON c.ws = m.ws AND c.num >= m.maxn`), 10);
});

test('q7 highest bid per 10 s window (BETWEEN end − 10 s AND end)', async () => {
  await checkQuery(q7, config, await ref.lines(`
    WITH m AS (SELECT max(price) AS maxprice, (dateTime // 10000) * 10000 + 10000 AS wend FROM bid GROUP BY dateTime // 10000)
    SELECT B.auction, B.price, B.bidder, B.dateTime, B.extra FROM bid B JOIN m ON B.price = m.maxprice
    WHERE B.dateTime BETWEEN m.wend - 10000 AND m.wend`), 3);
});

test('q8 new users who opened an auction in their 10 s window', async () => {
  await checkQuery(q8, config, await ref.lines(`
    SELECT P.id, P.name, P.ws FROM (SELECT id, name, (dateTime // 10000) * 10000 AS ws FROM person GROUP BY id, name, ws) P
    JOIN (SELECT seller, (dateTime // 10000) * 10000 AS ws FROM auction GROUP BY seller, ws) A ON P.id = A.seller AND P.ws = A.ws`), 10);
});

test('q11 user sessions (gap 10 s, bids up to 10 s apart merge)', async () => {
  await checkQuery(q11, config, await ref.lines(`
    WITH s AS (SELECT bidder, dateTime,
                 CASE WHEN dateTime - lag(dateTime) OVER (PARTITION BY bidder ORDER BY dateTime) <= 10000 THEN 0 ELSE 1 END AS fresh FROM bid),
         g AS (SELECT bidder, dateTime, sum(fresh) OVER (PARTITION BY bidder ORDER BY dateTime ROWS UNBOUNDED PRECEDING) AS session FROM s)
    SELECT bidder, count(*), min(dateTime), max(dateTime) + 10000 FROM g GROUP BY bidder, session`), 100);
});

test('q12 ingestion-time windows: every bid counted once per bidder, in aligned 10 s windows', async () => {
  const perBidder = new Map<number, number>();
  for (const e of eventsOf(config)) if (e.type === 2) perBidder.set(e.bid.bidder, (perBidder.get(e.bid.bidder) ?? 0) + 1);
  for (const mode of ['STREAMING', 'BATCH'] as const) {
    const counted = new Map<number, number>();
    const windows = new Set<string>();
    for (const line of await weirLines(q12, config, mode)) {
      const [bidder, count, start, end] = line.split(',').map(Number) as [number, number, number, number];
      assert.ok(start % 10_000 === 0 && end === start + 10_000 && count > 0, `${mode}: ${line}`);
      assert.ok(!windows.has(`${bidder},${start}`), `${mode}: window ${bidder},${start} twice`);
      windows.add(`${bidder},${start}`);
      counted.set(bidder, (counted.get(bidder) ?? 0) + count);
    }
    assert.deepEqual([...counted].sort((a, b) => a[0] - b[0]), [...perBidder].sort((a, b) => a[0] - b[0]), mode);
  }
});

/**
 * Bids up to 6 s out of order (and every 97th `ahead` ms ahead), `keys` bidders and auctions, with a
 * watermark after every bid at max − 3 s − 1 (punctuated, so lateness does not depend on wall-clock
 * timing): some bids are late, some close a gap between sessions or count in a window's later panes.
 */
function outOfOrderBids(keys: number, ahead: number): { events: NexmarkEvent[]; watermarks: WatermarkStrategy<NexmarkEvent> } {
  let seed = 7;
  const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
  const events: NexmarkEvent[] = [];
  let clock = 1_000_000;
  for (let i = 0; i < 3000; i++) {
    clock += Math.floor(random() * 40);
    const dateTime = clock - Math.floor(random() * random() * 6000) + (i % 97 === 0 ? ahead : 0);
    const bid: Bid = { auction: 1000 + Math.floor(random() * keys), bidder: Math.floor(random() * keys), price: 1, channel: 'c', url: 'u', dateTime, extra: '' };
    events.push({ type: 2, bid });
  }
  const watermarks = WatermarkStrategy.forGenerator<NexmarkEvent>(() => {
    let max = Number.NEGATIVE_INFINITY;
    return {
      onEvent(_e, ts, out) { if (ts > max) out.emitWatermark((max = ts) - 3001); },
      onPeriodicEmit() {},
    };
  }).withTimestampAssigner((e) => (e.type === 2 ? e.bid.dateTime : 0));
  return { events, watermarks };
}

/**
 * Runs `build` on the events. Lateness depends on how records and watermarks interleave, which is
 * fixed only with one channel into the keyed operators: so STREAMING at parallelism 1 (at 2 the
 * query's own flatMap subtasks are two channels); BATCH, where nothing is late, at 2.
 */
async function runOn(input: ReturnType<typeof outOfOrderBids>, build: (events: DataStream<NexmarkEvent>) => DataStream<Row>, mode: 'STREAMING' | 'BATCH', parallelism: number): Promise<string[]> {
  const env = StreamExecutionEnvironment.getExecutionEnvironment({ parallelism });
  env.setRuntimeMode(mode);
  const events = env.fromCollection(input.events).assignTimestampsAndWatermarks(input.watermarks);
  return build(events).map(csvLine, 'CSV').executeAndCollect('nexmark-out-of-order');
}

test('q5 on out-of-order bids (late bids in some of their windows, or dropped) gives what SlidingEventTimeWindows gives', async () => {
  const input = outOfOrderBids(40, 0);
  // The reference: bid counts per auction and window from the window operator; the maximum per window taken here.
  const windowCounts = (events: DataStream<NexmarkEvent>): DataStream<Row> => bids(events).keyBy((b: Bid) => b.auction)
    .window(SlidingEventTimeWindows.of(10_000, 2_000)).aggregate(
      { createAccumulator: () => 0, add: (_b: Bid, n: number) => n + 1, getResult: (n: number) => n, merge: (a: number, b: number) => a + b },
      { process(auction: number, ctx: ProcessWindowContext, ns: Iterable<number>, out: Collector<Row>) { for (const n of ns) out.collect([auction, n, ctx.window.start]); } },
    );
  const atMaximum = (lines: string[]) => {
    const windows = new Map<number, [number, number][]>();
    for (const [auction, n, start] of lines.map((l) => l.split(',').map(Number) as [number, number, number])) {
      let w = windows.get(start);
      if (w === undefined) windows.set(start, (w = []));
      w.push([auction, n]);
    }
    return [...windows.values()].flatMap((w) => { const max = Math.max(...w.map((x) => x[1])); return w.filter((x) => x[1] >= max).map((x) => x.join(',')); });
  };
  const counts = await runOn(input, windowCounts, 'STREAMING', 1);
  const counted = counts.reduce((n, l) => n + Number(l.split(',')[1]), 0);
  assert.ok(counted < 5 * input.events.length && counted > 4 * input.events.length, `some bids are late in some windows (${counted} of ${5 * input.events.length} counts)`);
  const expected = atMaximum(counts);
  assert.ok(expected.length >= 25, `${expected.length} rows`);
  assertSameLines(await runOn(input, q5.build, 'STREAMING', 1), expected, 'q5 STREAMING');
  assertSameLines(await runOn(input, q5.build, 'BATCH', 2), atMaximum(await runOn(input, windowCounts, 'BATCH', 2)), 'q5 BATCH');
});

test('q11 on out-of-order bids (sessions bridged by a later-arriving bid, late bids dropped) gives what EventTimeSessionWindows gives', async () => {
  const input = outOfOrderBids(5, 15_000);
  const windowed = (events: DataStream<NexmarkEvent>): DataStream<Row> => bids(events).keyBy((b: Bid) => b.bidder)
    .window(EventTimeSessionWindows.withGap(10_000)).aggregate(
      { createAccumulator: () => 0, add: (_b: Bid, n: number) => n + 1, getResult: (n: number) => n, merge: (a: number, b: number) => a + b },
      { process(bidder: number, ctx: ProcessWindowContext, ns: Iterable<number>, out: Collector<Row>) { for (const n of ns) out.collect([bidder, n, ctx.window.start, ctx.window.end]); } },
    );
  const expected = await runOn(input, windowed, 'STREAMING', 1);
  const sessions = expected.map((l) => l.split(',').map(Number));
  assert.ok(sessions.length >= 20 && sessions.some((s) => s[1]! > 10), `${sessions.length} sessions`);
  const counted = sessions.reduce((n, s) => n + s[1]!, 0);
  assert.ok(counted < input.events.length, `some bids are late and dropped (${counted} of ${input.events.length} counted)`);
  assertSameLines(await runOn(input, q11.build, 'STREAMING', 1), expected, 'q11 STREAMING');
  assertSameLines(await runOn(input, q11.build, 'BATCH', 2), await runOn(input, windowed, 'BATCH', 2), 'q11 BATCH');
});
