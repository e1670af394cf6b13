// Where slot threads run V8's optimizing compiler: on a helper thread (V8's default) or on the slot thread itself.
//
// By default V8 compiles hot functions with TurboFan on a background thread, which is free while a core is idle.
// When the slot threads alone fill every core (p=2 on this 2-core machine), those background compiles compete with
// the slot threads for the same cores, and per isolate: every worker thread compiles its own copy of the engine.
// Measured on 2 cores (docs/benchmarks.md, "V8's compiler in slot threads"): compiling on the slot thread itself
// made p=2 runs 6–15 % faster and took ~15 % less CPU in total, while at p=1 (a core free) it made them slower.
//
// The flag is V8's, process-wide, and read when an isolate starts: set here before the slot threads are created,
// it holds for them and leaves threads already running (the main thread) as they were.
// WEIR_SLOT_JIT=concurrent|inline overrides the choice. bin/weir applies the same rule before it starts the standby
// threads (it runs before the engine is bundled, so it cannot import this file).

import { availableParallelism } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { ConfigError } from '../core/errors.ts';

export type SlotJit = 'concurrent' | 'inline';

/** The mode for `slotThreads` threads in this process: inline when they are at least as many as the cores. */
export function slotJitFor(slotThreads: number, cores = availableParallelism(), env: string | undefined = process.env.WEIR_SLOT_JIT): SlotJit {
  if (env !== undefined && env !== '') {
    if (env === 'concurrent' || env === 'inline') return env;
    throw new ConfigError(`WEIR_SLOT_JIT must be "concurrent" or "inline", got "${env}"`);
  }
  return slotThreads >= cores ? 'inline' : 'concurrent';
}

/** Sets V8's flag for the worker threads created from now on; returns the mode. */
export function configureSlotJit(slotThreads: number): SlotJit {
  const mode = slotJitFor(slotThreads);
  // Set every time, not only on a change: bin/weir may have set it for the standby threads already.
  setFlagsFromString(mode === 'inline' ? '--no-concurrent-recompilation' : '--concurrent-recompilation');
  return mode;
}
