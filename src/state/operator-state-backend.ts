// Non-keyed operator state: named lists that are split (or, for union state, broadcast) across subtasks on rescale.

import { ConfigError } from '../core/errors.ts';
import type { ListStateDescriptor } from './descriptors.ts';
import type { ListState } from './state-types.ts';

/**
 * 'split': on restore each subtask gets a share of the items; 'union': each gets all of them;
 * 'broadcast': each gets one old subtask's items whole (broadcast state, see broadcast-state.ts).
 */
export type OperatorStateMode = 'split' | 'union' | 'broadcast';

/** Plain data, safe to serialize with any structured-clone codec. */
export type OperatorStateSnapshot = Record<string, { mode: OperatorStateMode; items: unknown[] }>;

class OperatorListState<T> implements ListState<T> {
  readonly mode: OperatorStateMode;
  items: T[] = [];
  constructor(mode: OperatorStateMode) {
    this.mode = mode;
  }
  /** A read-only view, valid until the next write. */
  get(): readonly T[] {
    return this.items;
  }
  add(value: T): void {
    this.items.push(value);
  }
  addAll(values: Iterable<T>): void {
    for (const v of values) this.items.push(v);
  }
  update(values: Iterable<T>): void {
    this.items = Array.from(values);
  }
  clear(): void {
    this.items = [];
  }
}

export class OperatorStateBackend {
  readonly #states = new Map<string, OperatorListState<unknown>>();
  /** Restored items waiting for their state to be registered. */
  #restored: OperatorStateSnapshot = {};

  /** List state that is split across the new subtasks on rescale. */
  getListState<T>(d: ListStateDescriptor<T>): ListState<T> {
    return this.#get(d.name, 'split') as OperatorListState<T>;
  }

  /** List state of which every subtask gets the union of all subtasks' items on restore. */
  getUnionListState<T>(d: ListStateDescriptor<T>): ListState<T> {
    return this.#get(d.name, 'union') as OperatorListState<T>;
  }

  /** The list behind a broadcast state: every subtask keeps its own copy; a restore gives each new subtask one whole copy. */
  getBroadcastListState<T>(name: string): ListState<T> {
    return this.#get(name, 'broadcast') as OperatorListState<T>;
  }

  #get(name: string, mode: OperatorStateMode): OperatorListState<unknown> {
    let s = this.#states.get(name);
    if (s !== undefined) {
      if (s.mode !== mode) throw new ConfigError(`operator state "${name}" is registered as ${s.mode} list state and cannot be used as ${mode} list state`);
      return s;
    }
    const restored = this.#restored[name];
    if (restored !== undefined && restored.mode !== mode) {
      throw new ConfigError(`operator state "${name}" was checkpointed as ${restored.mode} list state and cannot be restored as ${mode} list state`);
    }
    s = new OperatorListState<unknown>(mode);
    if (restored !== undefined) s.items = restored.items.slice();
    this.#states.set(name, s);
    return s;
  }

  /** Copies the item arrays (not the items: they must not be mutated after add(), as for keyed state). */
  snapshot(): OperatorStateSnapshot {
    const out: OperatorStateSnapshot = {};
    // Restored but not yet re-registered states are carried over, so they survive a checkpoint.
    for (const [name, s] of Object.entries(this.#restored)) if (!this.#states.has(name)) out[name] = { mode: s.mode, items: s.items.slice() };
    for (const [name, s] of this.#states) out[name] = { mode: s.mode, items: s.items.slice() };
    return out;
  }

  /** Loads this subtask's (already redistributed) share; states registered earlier are refilled now. */
  restore(snapshot: OperatorStateSnapshot): void {
    this.#restored = {};
    for (const [name, s] of Object.entries(snapshot)) {
      const live = this.#states.get(name);
      if (live === undefined) {
        this.#restored[name] = { mode: s.mode, items: s.items.slice() };
      } else {
        if (live.mode !== s.mode) throw new ConfigError(`operator state "${name}" is registered as ${live.mode} list state but was checkpointed as ${s.mode}`);
        live.items = s.items.slice();
      }
    }
  }
}

/**
 * Redistributes the operator state of the old subtasks over `newParallelism` new ones.
 * split: all items of a name, concatenated in subtask order, dealt into contiguous chunks
 * whose sizes differ by at most one (the first chunks get the extra items).
 * union: every new subtask gets the whole concatenation.
 */
export function redistributeOperatorState(oldSubtaskStates: readonly OperatorStateSnapshot[], newParallelism: number): OperatorStateSnapshot[] {
  if (!Number.isInteger(newParallelism) || newParallelism < 1) {
    throw new ConfigError(`parallelism must be an integer >= 1, got ${String(newParallelism)}`);
  }
  const merged = new Map<string, { mode: OperatorStateMode; items: unknown[] }>();
  const out: OperatorStateSnapshot[] = Array.from({ length: newParallelism }, () => ({}));
  // Broadcast: new subtask i takes old subtask (i mod old parallelism)'s copy; every copy is the same.
  const old = oldSubtaskStates.length;
  for (let i = 0; i < newParallelism && old > 0; i++) {
    for (const [name, s] of Object.entries(oldSubtaskStates[i % old]!)) {
      if (s.mode === 'broadcast') out[i]![name] = { mode: s.mode, items: s.items.slice() };
    }
  }
  for (const snapshot of oldSubtaskStates) {
    for (const [name, s] of Object.entries(snapshot)) {
      if (s.mode === 'broadcast') continue;
      const m = merged.get(name);
      if (m === undefined) merged.set(name, { mode: s.mode, items: s.items.slice() });
      else if (m.mode !== s.mode) throw new ConfigError(`operator state "${name}" is ${m.mode} list state in one subtask and ${s.mode} in another`);
      else for (const item of s.items) m.items.push(item);
    }
  }
  for (const [name, { mode, items }] of merged) {
    if (mode === 'union') {
      for (const o of out) o[name] = { mode, items: items.slice() };
      continue;
    }
    const base = Math.floor(items.length / newParallelism);
    const extra = items.length % newParallelism;
    let pos = 0;
    for (let i = 0; i < newParallelism; i++) {
      const n = base + (i < extra ? 1 : 0);
      out[i]![name] = { mode, items: items.slice(pos, pos + n) };
      pos += n;
    }
  }
  return out;
}
