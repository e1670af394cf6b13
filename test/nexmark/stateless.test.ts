// Nexmark q0, q1, q2 (and q14, q21, q22 when present): stateless maps and filters, against DuckDB over the same events, STREAMING and BATCH.

import { after, before, test } from 'node:test';
import { q0 } from '../../examples/nexmark/queries/q0.ts';
import { q1 } from '../../examples/nexmark/queries/q1.ts';
import { q2 } from '../../examples/nexmark/queries/q2.ts';
import { Reference, checkQuery, eventsOf, testConfig } from './harness.ts';

const config = testConfig(20_000);
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
