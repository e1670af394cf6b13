// Public surface of the state layer: key groups, descriptors, state interfaces, backends, timers.

export {
  DEFAULT_MAX_PARALLELISM,
  UPPER_BOUND_MAX_PARALLELISM,
  KeyGroupRange,
  hashKey,
  keyGroupFor,
  murmur3Int32,
  murmur3String,
  operatorIndexForKeyGroup,
  stringKeyGroup,
  validateParallelism,
} from './key-groups.ts';
export {
  AggregatingStateDescriptor,
  ListStateDescriptor,
  MapStateDescriptor,
  ReducingStateDescriptor,
  ValueStateDescriptor,
  type AggregateFunction,
  type AnyStateDescriptor,
  type StateKind,
} from './descriptors.ts';
export type { AggregatingState, ListState, MapState, ReducingState, ValueState } from './state-types.ts';
export { HeapKeyedStateBackend, KeyedStateSnapshot, warmSnapshotPaths, type HeapKeyedStateBackendOptions } from './heap-keyed-state-backend.ts';
export type { HeapWindowState } from './heap-states.ts';
export { copyOnWriteTime } from './heap-states.ts';
export {
  OperatorStateBackend,
  redistributeOperatorState,
  type OperatorStateMode,
  type OperatorStateSnapshot,
} from './operator-state-backend.ts';
export { InternalTimerService, TimerSnapshot, type InternalTimerServiceOptions, type OnTimer } from './timer-service.ts';
export { normalizeKey, denormalizeKey, type NormalizedKey } from './key-encoding.ts';
