// The Nexmark generator and source: determinism, the 1:3:46 mix, id arithmetic, split ranges, event-time spacing, checkpointed position, a job at parallelism 2.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, StreamExecutionEnvironment } from '../../index.ts';
import { NexmarkSource, createGenerators, eventFromJson, eventToJson, generateEvent, nexmarkWatermarks, type NexmarkEvent } from './index.ts';
import { reverseBits32 } from './generator.ts';

const collector = (into: NexmarkEvent[]) => ({ collect: (e: NexmarkEvent) => { into.push(e); } });

test('generateEvent is deterministic per seed; another seed changes values, not structure', () => {
  const a = { events: 5000 };
  const b = { events: 5000 };
  const c = { events: 5000, seed: 7 };
  for (let n = 0; n < 5000; n += 97) {
    assert.deepEqual(generateEvent(a, n), generateEvent(b, n));
    const x = generateEvent(a, n);
    const y = generateEvent(c, n);
    assert.equal(x.type, y.type);
    if (x.type === 0 && y.type === 0) { assert.equal(x.person.id, y.person.id); assert.equal(x.person.dateTime, y.person.dateTime); }
  }
  assert.notDeepEqual(generateEvent(a, 3), generateEvent(c, 3));
});

test('the 1:3:46 mix, consecutive person/auction ids, bids on recent auctions, prices in [100, 1e8), event-time spacing', () => {
  const [g] = createGenerators({ events: 50_000, eventRate: 1000 });
  const counts = [0, 0, 0];
  let lastPerson = 1000; // event ids start at 2 (firstEventNumber 1), so person 1000 and auction 1000 never come
  let lastAuction = 1000;
  let hot = 0;
  for (let k = 0; k < 50_000; k++) {
    const e = g!.event(k);
    counts[e.type]!++;
    if (e.type === 0) { assert.equal(e.person.id, lastPerson + 1); lastPerson = e.person.id; assert.match(e.person.creditCard, /^\d{4} \d{4} \d{4} \d{4}$/); }
    if (e.type === 1) {
      assert.equal(e.auction.id, lastAuction + 1);
      lastAuction = e.auction.id;
      assert.ok(e.auction.reserve >= e.auction.initialBid && e.auction.expires > e.auction.dateTime);
      assert.ok(e.auction.category >= 10 && e.auction.category <= 14);
    }
    if (e.type === 2) {
      const b = e.bid;
      assert.ok(b.auction <= lastAuction + 10 && b.auction >= Math.max(1000, lastAuction - 110), `bid on auction ${b.auction} after auction ${lastAuction}`);
      assert.ok(b.price >= 100 && b.price < 1e8);
      assert.ok(b.bidder >= 2000 && b.bidder <= lastPerson + 1000 + 10, `bidder ${b.bidder}: person id + 1000 (the reference's quirk)`);
      if (b.auction % 100 === 0) hot++;
      assert.ok(b.extra.length >= 54 && b.extra.length <= 81);
    }
    // 1000 events/s of event time: event k (number k + 1) at baseTime + floor((k + 1) ms).
    assert.equal(g!.timestamp(k), 1_767_225_600_000 + (k + 1));
  }
  assert.deepEqual(counts, [1000, 3000, 46_000]);
  assert.ok(hot > 46_000 * 0.45, `about half the bids on hot auctions, got ${hot}`);
  assert.equal(reverseBits32(1), -2147483648);
  const [q] = createGenerators({ events: 100, bidderIdQuirk: false });
  for (let k = 0; k < 100; k++) { const e = q!.event(k); if (e.type === 2) assert.ok(e.bid.bidder < 2000); }
});

test('splits: disjoint id ranges, the last takes the remainder, every split on the same timeline', () => {
  const gens = createGenerators({ events: 1003, eventRate: 1000 }, 3);
  assert.deepEqual(gens.map((g) => [g.range.firstEventId, g.range.maxEvents]), [[1, 334], [335, 334], [669, 335]]);
  const persons = new Set<number>();
  for (const g of gens) {
    for (let k = 0; k < g.range.maxEvents; k++) {
      const e = g.event(k);
      if (e.type === 0) { assert.ok(!persons.has(e.person.id)); persons.add(e.person.id); }
    }
    // 3 generators at 1000 events/s in total: each is 3 ms apart.
    assert.equal(g.timestamp(9) - g.timestamp(0), 27);
  }
  assert.throws(() => new NexmarkSource({ events: -1 }), ConfigError);
  assert.throws(() => new NexmarkSource({ evnets: 5 } as never), /unknown setting "evnets"/);
  assert.throws(() => new NexmarkSource({ rate: 10, eventRate: 20 }), /eventRate must equal it/);
});

test('reader: the position is its checkpointed state; a reader restored from it continues with the same events', () => {
  const source = new NexmarkSource({ events: 2000 });
  const splits = source.enumerateSplits({ parallelism: 2 });
  const ctx = { subtaskIndex: 0, parallelism: 1, operatorName: 'Nexmark' };
  const whole: NexmarkEvent[] = [];
  const r1 = source.createReader(ctx);
  r1.addSplits(splits);
  while (r1.pollNext(collector(whole), 256) !== 'end');
  assert.equal(whole.length, 2000);
  const first: NexmarkEvent[] = [];
  const r2 = source.createReader(ctx);
  r2.addSplits(splits);
  r2.pollNext(collector(first), 700);
  const state = structuredClone(r2.snapshotState(1));
  assert.deepEqual(state.map((s) => s.next), [350, 350]);
  const r3 = source.createReader(ctx);
  r3.addSplits(state);
  const rest: NexmarkEvent[] = [];
  while (r3.pollNext(collector(rest), 300) !== 'end');
  assert.deepEqual([...first, ...rest], whole);
  const unbounded = new NexmarkSource({});
  assert.equal(unbounded.bounded, false);
  assert.equal(unbounded.enumerateSplits({ parallelism: 2 })[1]!.firstEventId, 1 + 2 ** 44);
  for (const e of whole.slice(0, 50)) assert.deepEqual(eventFromJson(eventToJson(e)), e);
  assert.throws(() => eventFromJson('{"type":2,"bid":{"auction":1}}'), /bid lacks "bidder"/);
});

test('a job at parallelism 2 emits every event of generateEvent once, stamped with its dateTime', async () => {
  const env = StreamExecutionEnvironment.getExecutionEnvironment({ parallelism: 2 });
  const config = { events: 3000, generators: 2 };
  const out = await env.fromSource(new NexmarkSource(config), nexmarkWatermarks(), 'Nexmark').map((e) => eventToJson(e)).executeAndCollect();
  const expected = Array.from({ length: 3000 }, (_, n) => eventToJson(generateEvent(config, n)));
  assert.deepEqual(out.sort(), expected.sort());
});

test('rate paces the emission by event time', async () => {
  const env = StreamExecutionEnvironment.getExecutionEnvironment({ parallelism: 1 });
  const started = performance.now();
  const out = await env.fromSource(new NexmarkSource({ events: 200, rate: 1000 }), 'Nexmark').executeAndCollect();
  assert.equal(out.length, 200);
  // 200 events at 1000/s span 200 ms of event time: the run cannot be faster than that.
  assert.ok(performance.now() - started >= 190);
});
