// BATCH, 'state' keyed input: at end of input, an aggregation emits one final value per key it holds state for.

import type { HeapKeyedStateBackend } from '../state/index.ts';

/**
 * Calls `emitCurrent` with each key of `stateName` current (key-group order), then drops the
 * key's state. With 'grouped' keyed input every key was already emitted (endOfKey) and dropped,
 * so this finds nothing.
 */
export function emitFinalValues(backend: HeapKeyedStateBackend, stateName: string, emitCurrent: () => void): void {
  backend.forEachKey(stateName, (key, keyGroup) => {
    backend.setCurrentKey(key, keyGroup);
    emitCurrent();
    backend.clearAllOfCurrentKey();
  });
}
