// The generated events of the window benchmark, shared by bench/jobs/windows-bench.ts and bench/baseline-windows.mjs.
//
// Event i: [timestamp, key, value]. `perMs` events per ms of event time, each up to `DISORDER − 1` ms
// early (a multiplicative hash of i picks how much): small, bounded disorder, so a watermark of
// max timestamp − DISORDER − 1 never makes an event late. Keys cycle through `keys` integers, value = i mod 100.

/** The bound of the disorder (ms): forBoundedOutOfOrderness(DISORDER) never sees a late event. */
export const DISORDER = 16;

export function makeEvent(i, perMs, keys) {
  const jitter = Math.imul(i, 0x9e3779b1) >>> 28; // 0 … 15
  const t = Math.floor(i / perMs);
  return [t < jitter ? 0 : t - jitter, i % keys, i % 100];
}

/** What the windows must add up to: the number of events and the sum of their values. */
export function expectedTotals(count) {
  let sum = 0;
  for (let i = 0; i < count; i++) sum += i % 100;
  return { count, sum };
}
