// Fails the job with a named error when this thread's heap is nearly full, before V8 aborts the whole process with a crash dump.
//
// V8 ends a process that runs out of heap with "FATAL ERROR: Reached heap limit" and a native
// stack: nothing is cleaned up, no JobManager message names the cause. The guard samples the
// heap (v8.getHeapStatistics, a few µs) every CHECK_MS while a slot runs; once the live heap
// passes LIMIT_FRACTION of the old-generation limit it calls `onExceeded` once, and the slot fails its tasks
// with OutOfMemoryError (code WEIR_OUT_OF_MEMORY), which the job reports like any failure.
// Used heap includes garbage not yet collected; near the limit V8 collects fully and often,
// so a reading that stays above the fraction is live data. A reading taken just after a full
// (mark-compact) collection is live data at once: the guard also watches those (a 'gc'
// PerformanceObserver) and fires on the first one above the fraction. Sampling alone needed three
// readings, and when each slice of the task thread held a ~50 ms collection that could take as long
// as V8 takes to give up ("Ineffective mark-compacts near heap limit", seen with a 64 MB heap in
// src/batch/heap-guard.test.ts's job).

import { PerformanceObserver, constants as perfConstants } from 'node:perf_hooks';
import { getHeapSpaceStatistics, getHeapStatistics, type HeapInfo } from 'node:v8';
import { WeirError } from '../core/errors.ts';

const CHECK_MS = 20;
/** Fraction of the old-generation limit past which the guard fires (or sooner: HEADROOM). */
export const LIMIT_FRACTION = 0.9;
/**
 * What the guard leaves free at least, whatever the fraction: one scavenge can promote a whole semi-space of
 * survivors (16 MiB on 64-bit) into the old generation at once, and near the limit V8 gives up after a few
 * mark-compacts that free little, which can all happen inside one slice of the task thread, before the guard's
 * next reading. With a 64 MB heap 10 % was 6.4 MB: the keyed count of src/batch/heap-guard.test.ts died in V8 in a
 * full-suite run (stop 26; 0 of 10 runs alone); 16 MiB leaves it a promotion's worth. A heap under 32 MiB keeps half free.
 */
const HEADROOM = 16 * 2 ** 20;
/**
 * heap_size_limit counts the young generation's semi-spaces too (3 × 16 MiB on 64-bit), and
 * V8 dies when the old generation is full: with --max-old-space-size=256 the limit reads 304 MiB
 * and the process aborts at ~256 MiB used.
 */
const YOUNG_RESERVE = 48 * 2 ** 20;
/** Past this share of the firing threshold the guard watches full collections; below UNWATCH_FRACTION it stops. */
const WATCH_FRACTION = 0.7;
const UNWATCH_FRACTION = 0.6;
/** Consecutive readings above the fraction before it fires (one reading may be garbage about to go). */
const READINGS = 3;

/** The ways out when keys on the heap state backend fill the heap (the guard's message and a thread Node stopped). */
export const HEAP_STATE_WAYS_OUT = 'The heap state backend keeps every key in memory: raise the heap (node --max-old-space-size=<MB> …/bin/weir run …: ' +
  'V8\'s flags apply to every thread), spread the keys over more parallelism, or, for bounded input, run in BATCH ' +
  '(--runtime-mode batch --batch-keyed-input grouped), which spills to disk.';

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

/** The old generation's limit, from V8's heap limit (which counts the young generation too: YOUNG_RESERVE). */
function oldGenerationLimit(h: HeapInfo): number {
  return Math.max(h.heap_size_limit - YOUNG_RESERVE, h.heap_size_limit / 2);
}

/** Where the guard fires: `fraction` of the limit, or HEADROOM below the limit if that comes first. */
export function firingThreshold(limit: number, fraction: number): number {
  return Math.min(fraction * limit, Math.max(limit - HEADROOM, limit / 2));
}

/**
 * Starts sampling (every `checkMs`); near the limit it also watches full collections (at once with
 * `startWatching`, for tests). Returns the function that stops both.
 */
export function startHeapGuard(onExceeded: (reading: HeapReading) => void, fraction = LIMIT_FRACTION, checkMs = CHECK_MS, startWatching = false): () => void {
  let above = 0;
  let fired = false;
  const fire = (usedBytes: number, limit: number): void => {
    fired = true;
    stop();
    onExceeded({ usedMb: Math.round(usedBytes / 2 ** 20), limitMb: Math.round(limit / 2 ** 20) });
  };
  // After a full collection the old generation holds live data (and what was promoted since): one reading of it
  // past the fraction is enough. The young generation is left out: it is mostly garbage between collections.
  const observer = new PerformanceObserver((list) => {
    if (fired) return;
    let major = false;
    for (const e of list.getEntries()) if ((e as unknown as { detail?: { kind?: number } }).detail?.kind === perfConstants.NODE_PERFORMANCE_GC_MAJOR) major = true;
    if (!major) return;
    let old = 0;
    for (const space of getHeapSpaceStatistics()) if (!space.space_name.startsWith('new_')) old += space.space_used_size;
    const h = getHeapStatistics();
    const limit = oldGenerationLimit(h);
    if (old > firingThreshold(limit, fraction)) fire(h.used_heap_size, limit);
  });
  let watching = false;
  const timer = setInterval(() => {
    if (fired) return;
    const h = getHeapStatistics();
    const limit = oldGenerationLimit(h);
    const threshold = firingThreshold(limit, fraction);
    if (h.used_heap_size > threshold) above++;
    else above = 0;
    if (above >= READINGS) {
      fire(h.used_heap_size, limit);
      return;
    }
    // The observer costs every collection a callback (~5 % of a word count's time): on only near the limit.
    if (!watching && h.used_heap_size > WATCH_FRACTION * threshold) {
      watching = true;
      observer.observe({ entryTypes: ['gc'] });
    } else if (watching && h.used_heap_size < UNWATCH_FRACTION * threshold) {
      watching = false;
      observer.disconnect();
    }
  }, checkMs);
  timer.unref();
  if (startWatching) {
    watching = true;
    observer.observe({ entryTypes: ['gc'] });
  }
  function stop(): void {
    clearInterval(timer);
    observer.disconnect();
  }
  return stop;
}
