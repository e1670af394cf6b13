// WEIR_TRACE_STARTUP=1: one stderr line per start-up/teardown step, `weir-trace <thread> <ms since epoch> <step>`,
// in every thread, so the steps of `weir run` (bundle, import, new Worker, worker import, graph, deploy, end) can be laid
// side by side (docs/architecture.md, "How a job runs"). Off by default: one env lookup, then nothing.

import { threadId } from 'node:worker_threads';

const ON = typeof process !== 'undefined' && process.env['WEIR_TRACE_STARTUP'] === '1';

/** Writes the step's absolute time (performance.timeOrigin + now, comparable between threads) when tracing is on. */
export function traceStartup(step: string): void {
  if (!ON) return;
  process.stderr.write(`weir-trace t${threadId} ${(performance.timeOrigin + performance.now()).toFixed(1)} ${step}\n`);
}
