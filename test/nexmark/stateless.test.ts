// Nexmark q0, q1, q2, q14, q21, q22: stateless maps and filters, against DuckDB over the same events, STREAMING and BATCH.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { q0 } from '../../examples/nexmark/queries/q0.ts';
import { q1 } from '../../examples/nexmark/queries/q1.ts';
import { q2 } from '../../examples/nexmark/queries/q2.ts';
import { q14 } from '../../examples/nexmark/queries/q14.ts';
import { q21 } from '../../examples/nexmark/queries/q21.ts';
import { q22 } from '../../examples/nexmark/queries/q22.ts';
import { Reference, checkQuery, eventsOf, testConfig } from './harness.ts';

// 2 events/s of event time from 05:30 UTC: about 2.8 h, so q14 sees night, the 07:00 hour and day.
const config = testConfig(20_000, { eventRate: 2, baseTime: Date.UTC(2026, 0, 1, 5, 30) });
let ref: Reference;
before(async () => { ref = await Reference.load(eventsOf(config)); });
after(() => ref.close());

test('q0 pass through', async () => {
  await checkQuery(q0, config, await ref.lines('SELECT auction, bidder, price, dateTime, extra FROM bid'), 10_000);
});

test('q1 currency conversion: DECIMAL(23, 3) exactly', async () => {
  await checkQuery(q1, config, await ref.lines('SELECT auction, bidder, CAST(CAST(0.908 * price AS DECIMAL(23, 3)) AS VARCHAR), dateTime, extra FROM bid'), 10_000);
});

test('q2 selection', async () => {
  await checkQuery(q2, config, await ref.lines('SELECT auction, price FROM bid WHERE auction % 123 = 0'), 10);
});

test('q14 calculation: price filter, HOUR class, count_char', async () => {
  const hour = 'hour(epoch_ms(dateTime))';
  const lines = await ref.lines(`
    SELECT auction, bidder, CAST(CAST(0.908 * price AS DECIMAL(23, 3)) AS VARCHAR),
      CASE WHEN ${hour} >= 8 AND ${hour} <= 18 THEN 'dayTime' WHEN ${hour} <= 6 OR ${hour} >= 20 THEN 'nightTime' ELSE 'otherTime' END,
      dateTime, extra, length(extra) - length(replace(extra, 'c', ''))
    FROM bid WHERE 0.908 * price > 1000000 AND 0.908 * price < 50000000`);
  for (const kind of ['dayTime', 'nightTime', 'otherTime']) assert.ok(lines.some((l) => l.includes(`,${kind},`)), kind);
  await checkQuery(q14, config, lines, 1000);
});

test('q21 channel id', async () => {
  await checkQuery(q21, config, await ref.lines(`
    SELECT auction, bidder, price, channel,
      CASE WHEN lower(channel) = 'apple' THEN '0' WHEN lower(channel) = 'google' THEN '1' WHEN lower(channel) = 'facebook' THEN '2'
           WHEN lower(channel) = 'baidu' THEN '3' ELSE regexp_extract(url, '(&|^)channel_id=([^&]*)', 2) END
    FROM bid WHERE regexp_matches(url, '(&|^)channel_id=([^&]*)') OR lower(channel) IN ('apple', 'google', 'facebook', 'baidu')`), 10_000);
});

test('q22 url directories', async () => {
  await checkQuery(q22, config, await ref.lines(`
    SELECT auction, bidder, price, channel, split_part(url, '/', 4), split_part(url, '/', 5), split_part(url, '/', 6) FROM bid`), 10_000);
});
