// The generated streams of the interval-join benchmark, shared by bench/jobs/interval-join-bench.ts and bench/baseline-interval-join.mjs.
//
// Side 0 (left) and side 1 (right), event i of each: [timestamp, key, id]. `perMs` events per ms per
// side, each up to 15 ms early (a multiplicative hash of 2i + side picks how much), so a watermark of
// max timestamp − DISORDER − 1 never makes an event late. Left keys cycle through `keys`, right keys
// are 7i mod keys (the sides meet in a different order); id = i.

export const DISORDER = 16;
/** The join interval: right.t ∈ [left.t + LOWER, left.t + UPPER]. */
export const LOWER = -20;
export const UPPER = 20;

export function makeEvent(i, side, perMs, keys) {
  const jitter = Math.imul(2 * i + side, 0x9e3779b1) >>> 28; // 0 … 15
  const t = Math.floor(i / perMs);
  return [t < jitter ? 0 : t - jitter, side === 0 ? i % keys : (i * 7) % keys, i];
}
