// BATCH, 'state' keyed input: at end of input, an aggregation emits one final value per key it holds state for, with the timestamp of the key's last record.

import { ValueStateDescriptor, type HeapKeyedStateBackend, type ValueState } from '../state/index.ts';
import type { ElementTime } from '../runtime/operator.ts';

/**
 * The timestamp of each key's last record (records without one leave it as it was): what a final
 * value carries, as the last running value of STREAMING and the 'grouped' input (whose endOfKey
 * runs right after the key's last record) do. One state write per record that has a timestamp;
 * none for records without.
 */
export class LastTimestamps {
  readonly #state: ValueState<number>;
  readonly #element: ElementTime;

  constructor(backend: HeapKeyedStateBackend, element: ElementTime) {
    this.#state = backend.getState(new ValueStateDescriptor<number>('_batch_last_timestamp'));
    this.#element = element;
  }

  /** Per record, with its key current. */
  record(): void {
    const t = this.#element.timestamp;
    if (t === t) this.#state.update(t);
  }

  /** Before the current key's final value goes out. */
  apply(): void {
    const t = this.#state.value();
    this.#element.timestamp = t === undefined ? Number.NaN : t;
  }
}

/**
 * Calls `emitCurrent` with each key of `stateName` current (key-group order), then drops the
 * key's state. With 'grouped' keyed input every key was already emitted (endOfKey) and dropped,
 * so this finds nothing.
 */
export function emitFinalValues(backend: HeapKeyedStateBackend, stateName: string, emitCurrent: () => void, timestamps?: LastTimestamps): void {
  backend.forEachKey(stateName, (key, keyGroup) => {
    backend.setCurrentKey(key, keyGroup);
    timestamps?.apply();
    emitCurrent();
    backend.clearAllOfCurrentKey();
  });
}
