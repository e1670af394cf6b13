// Keyed state scoped to one (key, window): what triggers (getPartitionedState) and ProcessWindowFunction.windowState() use.
//
// A (key, window) scope is keyed state under the composite key [key, start, end] in the key's key
// group (so it snapshots and rescales with the key), in tables named `<prefix><descriptor name>`
// apart from user state. Each call on a handle makes the composite the backend's current key and
// restores the user key afterwards, so a handle works whenever it is called and the window
// contents (which act on the user key) are never disturbed. Slower than window contents (a
// composite key per access), so it is used only by what asks for it.

import type { Key } from '../../../core/types.ts';
import type { KeyedStateStore } from '../../../api/windows/triggers.ts';
import type { TimeWindow } from '../../../api/windows/time-window.ts';
import type { HeapKeyedStateBackend } from '../../../state/index.ts';

/** The (key, key group, window) a scoped store acts on; the operator updates it before each call out. */
export interface WindowScope {
  key: Key;
  keyGroup: number;
  window: TimeWindow;
}

type AnyDescriptor = { readonly name: string };

function isIterator(v: unknown): v is Iterator<unknown> {
  return typeof v === 'object' && v !== null && typeof (v as { next?: unknown }).next === 'function' && typeof (v as { [Symbol.iterator]?: unknown })[Symbol.iterator] === 'function';
}

/** A handle whose every method runs with `enter()` done before and `leave()` after (iterators are drained inside). */
function scoped<S extends object>(state: S, enter: () => void, leave: () => void): S {
  const out: Record<string, unknown> = {};
  for (let proto = Object.getPrototypeOf(state) as object | null; proto !== null && proto !== Object.prototype; proto = Object.getPrototypeOf(proto) as object | null) {
    for (const name of Object.getOwnPropertyNames(proto)) {
      if (name === 'constructor' || name in out) continue;
      const method = (state as Record<string, unknown>)[name];
      if (typeof method !== 'function') continue;
      out[name] = (...args: unknown[]) => {
        enter();
        try {
          const r = (method as (...a: unknown[]) => unknown).apply(state, args);
          return isIterator(r) ? Array.from(r as unknown as Iterable<unknown>)[Symbol.iterator]() : r;
        } finally {
          leave();
        }
      };
    }
  }
  return out as S;
}

/** State of the scope's (key, window), in tables `<prefix><name>`; handles are cached per descriptor name. */
export function windowStateStore(backend: HeapKeyedStateBackend, prefix: string, scope: WindowScope, onUse: (tableName: string) => void): KeyedStateStore {
  const cache = new Map<string, unknown>();
  const enter = (): void => backend.setCurrentKey([scope.key, scope.window.start, scope.window.end] as Key, scope.keyGroup);
  const leave = (): void => backend.setCurrentKey(scope.key, scope.keyGroup);
  const get = <S extends object>(d: AnyDescriptor, make: (renamed: never) => S): S => {
    const name = prefix + d.name;
    let h = cache.get(name) as S | undefined;
    if (h === undefined) {
      onUse(name);
      h = scoped(make({ ...d, name } as never), enter, leave);
      cache.set(name, h);
    }
    return h;
  };
  return {
    getState: (d) => get(d, (r) => backend.getState(r)),
    getListState: (d) => get(d, (r) => backend.getListState(r)),
    getMapState: (d) => get(d, (r) => backend.getMapState(r)),
    getReducingState: (d) => get(d, (r) => backend.getReducingState(r)),
    getAggregatingState: (d) => get(d, (r) => backend.getAggregatingState(r)),
  };
}

/** Keyed state of the scope's key (not per window): ProcessWindowFunction.globalState(). */
export function keyStateStore(backend: HeapKeyedStateBackend): KeyedStateStore {
  return {
    getState: (d) => backend.getState(d),
    getListState: (d) => backend.getListState(d),
    getMapState: (d) => backend.getMapState(d),
    getReducingState: (d) => backend.getReducingState(d),
    getAggregatingState: (d) => backend.getAggregatingState(d),
  };
}
