// Types of field arguments: keyBy/sum/min/max/minBy/maxBy take the fields of the record, and the key type flows on.
// The compile-time half is checked by `tsc --noEmit` (npm test): each @ts-expect-error must be an error, each
// Equal<> must hold. test/integration/package.test.ts checks the same through the published .d.ts.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  StreamExecutionEnvironment, TumblingEventTimeWindows, type Collector, type KeyedProcessContext, type KeyedStream,
} from '../index.ts';
import type { FieldOf, NumericFieldOf, TupleIndex } from '../core/types.ts';

type Equal<A, B> = (<X>() => X extends A ? 1 : 2) extends (<X>() => X extends B ? 1 : 2) ? true : false;
const typeIs = <T extends true>(): T | undefined => undefined;

interface Click { user: string; count: number; region: 'eu' | 'us'; meta: { ip: string } }

typeIs<Equal<FieldOf<Click>, 'user' | 'count' | 'region' | 'meta'>>();
typeIs<Equal<NumericFieldOf<Click>, 'count'>>();
typeIs<Equal<TupleIndex<[string, number, boolean]>, 0 | 1 | 2>>();
typeIs<Equal<FieldOf<[string, number]>, 0 | 1>>();
typeIs<Equal<NumericFieldOf<[string, number]>, 1>>();
typeIs<Equal<NumericFieldOf<number>, 0>>();
typeIs<Equal<FieldOf<number[]>, number>>();
typeIs<Equal<FieldOf<string>, never>>();

const env = (): StreamExecutionEnvironment => StreamExecutionEnvironment.getExecutionEnvironment({ parallelism: 1 });

/** Never called: builds graphs only for the type checker. */
function compileOnly(): void {
  const clicks = env().fromElements<Click>({ user: 'a', count: 1, region: 'eu', meta: { ip: '' } });
  // @ts-expect-error 'usr' is not a field of Click
  clicks.keyBy('usr');
  // @ts-expect-error a tuple index on an object record
  clicks.keyBy(0);
  // @ts-expect-error 'user' holds a string: sum needs a number field
  clicks.keyBy('region').sum('user');
  // @ts-expect-error not a field at all
  clicks.keyBy('user').max('cnt');
  // @ts-expect-error minBy / maxBy too
  clicks.keyBy('user').minBy('meta');

  const pairs = env().fromElements<[string, number]>(['a', 1]);
  // @ts-expect-error a tuple of two has no index 2
  pairs.keyBy(2);
  // @ts-expect-error index 0 holds a string
  pairs.keyBy(0).sum(0);
  // @ts-expect-error a property name on a tuple record
  pairs.keyBy('user');

  // The key type comes from the field (or the selector) and reaches process functions and windows.
  const byUser = clicks.keyBy('user');
  typeIs<Equal<typeof byUser, KeyedStream<Click, string>>>();
  const byRegion = clicks.keyBy('region');
  typeIs<Equal<typeof byRegion, KeyedStream<Click, 'eu' | 'us'>>>();
  const byWord = pairs.keyBy(0);
  typeIs<Equal<typeof byWord, KeyedStream<[string, number], string>>>();
  const bySelector = clicks.keyBy((c) => c.count);
  typeIs<Equal<typeof bySelector, KeyedStream<Click, number>>>();
  byRegion.process({
    processElement(_v: Click, ctx: KeyedProcessContext<'eu' | 'us'>, out: Collector<string>) { out.collect(ctx.getCurrentKey()); },
  });
  byUser.process({
    // @ts-expect-error the key of byUser is a string, not a number
    processElement(_v: Click, ctx: KeyedProcessContext<number>, out: Collector<number>) { out.collect(ctx.getCurrentKey()); },
  });
  byUser.window(TumblingEventTimeWindows.of(1000)).process({
    process(key: string, _ctx, elements: Iterable<Click>, out: Collector<string>) { for (const _ of elements) out.collect(key); },
  });
  byUser.window(TumblingEventTimeWindows.of(1000)).process({
    // @ts-expect-error the window's key is a string
    process(key: number, _ctx, _elements: Iterable<Click>, out: Collector<number>) { out.collect(key); },
  });

  // Two inputs: each side's fields are its own record's.
  const views = env().fromElements({ viewer: 'a', ms: 1 });
  clicks.connect(views).keyBy('user', 'viewer');
  // @ts-expect-error 'viewer' is a field of the second input, not the first
  clicks.connect(views).keyBy('viewer', 'user');
  clicks.join(views).where('user').equalTo('viewer');
  // @ts-expect-error 'usr' is not a field of Click
  clicks.coGroup(views).where('usr');
  // @ts-expect-error 'user' is not a field of the right side
  clicks.join(views).where('user').equalTo('user');
}
void compileOnly;

test('field keys and numeric fields run as typed: keyBy(name).sum(name), keyBy(index).max(index)', async () => {
  const clicks = await env()
    .fromElements<Click>(
      { user: 'a', count: 1, region: 'eu', meta: { ip: '1' } },
      { user: 'b', count: 5, region: 'us', meta: { ip: '2' } },
      { user: 'a', count: 2, region: 'eu', meta: { ip: '3' } },
    )
    .keyBy('user').sum('count').executeAndCollect();
  assert.deepEqual(clicks.map((c) => [c.user, c.count]), [['a', 1], ['b', 5], ['a', 3]]);

  const pairs = await env().fromElements<[string, number]>(['x', 3], ['x', 7], ['x', 5]).keyBy(0).max(1).executeAndCollect();
  assert.deepEqual(pairs, [['x', 3], ['x', 7], ['x', 7]]);
});
