// Fails the job with a named error when this thread's heap is nearly full, before V8 aborts the whole process with a crash dump.
//
// V8 ends a process that runs out of heap with "FATAL ERROR: Reached heap limit" and a native
// stack: nothing is cleaned up, no JobManager message names the cause. The guard samples the
// heap (v8.getHeapStatistics, a few µs) every CHECK_MS while a slot runs; once the live heap
// passes LIMIT_FRACTION of the old-generation limit it calls `onExceeded` once, and the slot fails its tasks
// with OutOfMemoryError (code WEIR_OUT_OF_MEMORY), which the job reports like any failure.
// Used heap includes garbage not yet collected; near the limit V8 collects fully and often,
// so a reading that stays above the fraction is live data.

import { getHeapStatistics } from 'node:v8';
import { WeirError } from '../core/errors.ts';

const CHECK_MS = 20;
/** Fraction of the old-generation limit past which the guard fires. */
export const LIMIT_FRACTION = 0.9;
/**
 * heap_size_limit counts the young generation's semi-spaces too (3 × 16 MiB on 64-bit), and
 * V8 dies when the old generation is full: with --max-old-space-size=256 the limit reads 304 MiB
 * and the process aborts at ~256 MiB used.
 */
const YOUNG_RESERVE = 48 * 2 ** 20;
/** Consecutive readings above the fraction before it fires (one reading may be garbage about to go). */
const READINGS = 3;

export class OutOfMemoryError extends WeirError {
  constructor(message: string) {
    super(message, { code: 'WEIR_OUT_OF_MEMORY', fault: 'user', retryable: false });
    this.name = 'OutOfMemoryError';
  }
}

export interface HeapReading {
  readonly usedMb: number;
  readonly limitMb: number;
}

/** Starts sampling; returns the function that stops it. */
export function startHeapGuard(onExceeded: (reading: HeapReading) => void, fraction = LIMIT_FRACTION): () => void {
  let above = 0;
  let fired = false;
  const timer = setInterval(() => {
    const h = getHeapStatistics();
    if (h.used_heap_size > fraction * Math.max(h.heap_size_limit - YOUNG_RESERVE, h.heap_size_limit / 2)) above++;
    else above = 0;
    if (above >= READINGS && !fired) {
      fired = true;
      clearInterval(timer);
      onExceeded({ usedMb: Math.round(h.used_heap_size / 2 ** 20), limitMb: Math.round(Math.max(h.heap_size_limit - YOUNG_RESERVE, h.heap_size_limit / 2) / 2 ** 20) });
    }
  }, CHECK_MS);
  timer.unref();
  return () => clearInterval(timer);
}
