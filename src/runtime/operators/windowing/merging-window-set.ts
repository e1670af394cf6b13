// The session windows of one key, kept in keyed state: merging a new window into them (Flink's MergingWindowSet, without state windows).

import { TimeWindow } from '../../../api/windows/time-window.ts';
import { ValueStateDescriptor, type HeapKeyedStateBackend, type ValueState } from '../../../state/index.ts';

/** The result of adding a window: the window it ended up in, and the windows merged into it (their state moves there). */
export interface MergeResult {
  readonly window: TimeWindow;
  readonly merged: readonly TimeWindow[];
}

/**
 * Stored as a flat [start0, end0, start1, end1, ...] array per key, replaced (never mutated)
 * on every change, so snapshots stay consistent. Works on the backend's current (user) key.
 */
export class MergingWindowSet {
  readonly #state: ValueState<number[]>;

  constructor(backend: HeapKeyedStateBackend) {
    this.#state = backend.getState(new ValueStateDescriptor<number[]>('_session-windows'));
  }

  /** Adds `window`, merging every window it intersects into one covering window. */
  add(window: TimeWindow): MergeResult {
    const flat = this.#state.value() ?? [];
    let cover = window;
    const merged: TimeWindow[] = [];
    const kept: number[] = [];
    for (let i = 0; i < flat.length; i += 2) {
      const w = new TimeWindow(flat[i]!, flat[i + 1]!);
      if (w.intersects(cover)) {
        cover = cover.cover(w);
        merged.push(w);
      } else {
        kept.push(w.start, w.end);
      }
    }
    // A window kept aside may intersect the grown cover: repeat until stable (rare, windows are disjoint).
    for (let changed = true; changed;) {
      changed = false;
      for (let i = 0; i < kept.length; i += 2) {
        const w = new TimeWindow(kept[i]!, kept[i + 1]!);
        if (w.intersects(cover)) {
          cover = cover.cover(w);
          merged.push(w);
          kept.splice(i, 2);
          changed = true;
          break;
        }
      }
    }
    kept.push(cover.start, cover.end);
    this.#state.update(kept);
    return { window: cover, merged: merged.filter((w) => w.start !== cover.start || w.end !== cover.end) };
  }

  remove(window: TimeWindow): void {
    const flat = this.#state.value();
    if (flat === undefined) return;
    const kept: number[] = [];
    for (let i = 0; i < flat.length; i += 2) if (flat[i] !== window.start || flat[i + 1] !== window.end) kept.push(flat[i]!, flat[i + 1]!);
    if (kept.length === 0) this.#state.clear();
    else this.#state.update(kept);
  }

  /** The key's session ending at `end` (sessions never overlap: at most one), or undefined. */
  endingAt(end: number): TimeWindow | undefined {
    const flat = this.#state.value();
    if (flat === undefined) return undefined;
    for (let i = 1; i < flat.length; i += 2) if (flat[i] === end) return new TimeWindow(flat[i - 1]!, end);
    return undefined;
  }

  contains(window: TimeWindow): boolean {
    const flat = this.#state.value();
    if (flat === undefined) return false;
    for (let i = 0; i < flat.length; i += 2) if (flat[i] === window.start && flat[i + 1] === window.end) return true;
    return false;
  }
}
