// Maps a two-input spec to its operator and gives it the inputs' key selectors.

import type { Key } from '../../../core/types.ts';
import { instantiate } from '../../../api/transformation.ts';
import type { TwoInputSpec } from '../../../api/two-input/spec.ts';
import { BroadcastProcessOperator } from './broadcast-process.ts';
import { CoProcessOperator } from './co-process.ts';
import { IntervalJoinOperator } from './interval-join.ts';
import { KeyedCoProcessOperator } from './keyed-co-process.ts';
import type { TwoInputStreamOperator } from './two-input-operator.ts';

export function createTwoInputOperator(spec: TwoInputSpec): TwoInputStreamOperator {
  const f = spec.fn;
  let op: TwoInputStreamOperator;
  switch (f.kind) {
    case 'coMap': op = new CoProcessOperator({ kind: 'coMap', fn: instantiate(f.fn) }); break;
    case 'coFlatMap': op = new CoProcessOperator({ kind: 'coFlatMap', fn: instantiate(f.fn) }); break;
    case 'coProcess': op = new CoProcessOperator({ kind: 'coProcess', fn: instantiate(f.fn) }); break;
    case 'keyedCoProcess': op = new KeyedCoProcessOperator(instantiate(f.fn)); break;
    case 'intervalJoin': op = new IntervalJoinOperator(f.lower, f.upper, instantiate(f.fn), [f.leftLateTag, f.rightLateTag]); break;
    case 'broadcastProcess': op = new BroadcastProcessOperator(instantiate(f.fn), f.descriptors, false); break;
    case 'keyedBroadcastProcess': op = new BroadcastProcessOperator(instantiate(f.fn) as never, f.descriptors, true); break;
  }
  op.keySelectors = spec.keySelectors as [((v: unknown) => Key) | undefined, ((v: unknown) => Key) | undefined];
  return op;
}
