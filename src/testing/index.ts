// weir/testing: drive one operator in a test, without a job, a task or a thread.

/**
 * Test one operator without a job, a task or a thread: `import { OperatorHarness } from 'weir/testing'`.
 * @packageDocumentation
 * @module weir/testing
 */

export {
  OneInputOperatorHarness, OperatorHarness, type HarnessSnapshot, type OperatorHarnessOptions,
} from './operator-harness.ts';
export {
  aggregationSpec, asyncWaitSpec, filterSpec, flatMapSpec, keyedProcessSpec, mapSpec, processSpec, reduceSpec, rollingAggregateSpec, sinkSpec, timestampsSpec, windowSpec,
  type TypedOperatorSpec,
} from './specs.ts';
export type { OperatorSpec, AggregationKind } from '../api/transformation.ts';
export { StreamOperator, type Output, type OperatorContext } from '../runtime/operator.ts';
export { OperatorError } from '../runtime/operator-error.ts';
export {
  TwoInputOperatorHarness, coMapSpec, coFlatMapSpec, coProcessSpec, keyedCoProcessSpec, intervalJoinSpec, broadcastProcessSpec,
  keyedBroadcastProcessSpec, type TypedTwoInputSpec, type TwoInputHarnessOptions,
} from './two-input-harness.ts';
