// Nexmark unbounded aggregations and rankings: q15, q16 (distinct counts with filters), q17, q18 (dedup), q19 (Top-10); final rows against DuckDB, STREAMING and BATCH.

import { after, before, test } from 'node:test';
import { q15 } from '../../examples/nexmark/queries/q15.ts';
import { q16 } from '../../examples/nexmark/queries/q16.ts';
import { q17 } from '../../examples/nexmark/queries/q17.ts';
import { q18 } from '../../examples/nexmark/queries/q18.ts';
import { q19 } from '../../examples/nexmark/queries/q19.ts';
import { Reference, checkQuery, eventsOf, testConfig } from './harness.ts';

// 40 s of event time across midnight UTC: two days.
const config = testConfig(20_000);
let ref: Reference;
before(async () => { ref = await Reference.load(eventsOf(config)); });
after(() => ref.close());

const DAY = `strftime(epoch_ms(dateTime), '%Y-%m-%d')`;
const bands = (what: string) => ['price < 10000', 'price >= 10000 AND price < 1000000', 'price >= 1000000']
  .map((c) => `${what} FILTER (WHERE ${c})`).join(', ');
const STATS = `count(*), ${bands('count(*)')}, count(DISTINCT bidder), ${bands('count(DISTINCT bidder)')}, count(DISTINCT auction), ${bands('count(DISTINCT auction)')}`;

test('q15 bidding statistics per day', async () => {
  await checkQuery(q15, config, await ref.lines(`SELECT ${DAY} AS day, ${STATS} FROM bid GROUP BY day`), 2);
});

test('q16 channel statistics per channel and day', async () => {
  await checkQuery(q16, config, await ref.lines(`
    SELECT channel, ${DAY} AS day, max(strftime(epoch_ms(dateTime), '%H:%M')), ${STATS} FROM bid GROUP BY channel, day`), 1000);
});

test('q17 auction statistics per auction and day', async () => {
  await checkQuery(q17, config, await ref.lines(`
    SELECT auction, ${DAY} AS day, count(*), ${bands('count(*)')}, min(price), max(price), sum(price) // count(*), sum(price)
    FROM bid GROUP BY auction, day`), 1000);
});

test('q18 last bid per bidder and auction', async () => {
  await checkQuery(q18, config, await ref.lines(`
    SELECT auction, bidder, price, channel, url, dateTime, extra FROM (
      SELECT *, row_number() OVER (PARTITION BY bidder, auction ORDER BY dateTime DESC) AS rank_number FROM bid)
    WHERE rank_number <= 1`), 1000);
});

test('q19 top 10 bids per auction', async () => {
  await checkQuery(q19, config, await ref.lines(`
    SELECT * FROM (
      SELECT *, row_number() OVER (PARTITION BY auction ORDER BY price DESC, dateTime ASC, bidder ASC, extra ASC) AS rank_number FROM bid)
    WHERE rank_number <= 10`), 1000);
});
