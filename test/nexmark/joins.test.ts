// Nexmark joins: q3 (regular join), q4 (lifetime join, MAX, AVG over updates), q9 (winning bid, Top-1), q20 (regular join), against DuckDB; STREAMING and BATCH.

import { after, before, test } from 'node:test';
import { q3 } from '../../examples/nexmark/queries/q3.ts';
import { q4 } from '../../examples/nexmark/queries/q4.ts';
import { q9 } from '../../examples/nexmark/queries/q9.ts';
import { q20 } from '../../examples/nexmark/queries/q20.ts';
import { Reference, checkQuery, eventsOf, testConfig } from './harness.ts';

// A lower event rate stretches auction lifetimes (1666 events of event time) so that many bids fall in them.
const config = testConfig(20_000);
let ref: Reference;
before(async () => { ref = await Reference.load(eventsOf(config)); });
after(() => ref.close());

test('q3 local item suggestion', async () => {
  await checkQuery(q3, config, await ref.lines(`
    SELECT P.name, P.city, P.state, A.id FROM auction A JOIN person P ON A.seller = P.id
    WHERE A.category = 10 AND P.state IN ('OR', 'ID', 'CA')`), 20);
});

test('q4 average winning price per category (final row per category)', async () => {
  await checkQuery(q4, config, await ref.lines(`
    SELECT category, sum(final) // count(*) FROM (
      SELECT max(B.price) AS final, A.category FROM auction A JOIN bid B ON A.id = B.auction
      WHERE B.dateTime BETWEEN A.dateTime AND A.expires GROUP BY A.id, A.category)
    GROUP BY category`), 5);
});

test('q9 winning bids (final row per auction)', async () => {
  await checkQuery(q9, config, await ref.lines(`
    SELECT id, itemName, description, initialBid, reserve, dateTime, expires, seller, category, extra, auction, bidder, price, bid_dateTime, bid_extra
    FROM (SELECT A.*, B.auction, B.bidder, B.price, B.dateTime AS bid_dateTime, B.extra AS bid_extra,
            row_number() OVER (PARTITION BY A.id ORDER BY B.price DESC, B.dateTime ASC) AS rownum
          FROM auction A JOIN bid B ON A.id = B.auction WHERE B.dateTime BETWEEN A.dateTime AND A.expires)
    WHERE rownum <= 1`), 100);
});

test('q20 bids expanded with their category-10 auction', async () => {
  await checkQuery(q20, config, await ref.lines(`
    SELECT auction, bidder, price, channel, url, B.dateTime, B.extra, itemName, description, initialBid, reserve, A.dateTime, expires, seller, category, A.extra
    FROM bid B JOIN auction A ON B.auction = A.id WHERE A.category = 10`), 1000);
});
