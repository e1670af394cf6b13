// The ~1 µs user function of bench/jobs/keyed-work.ts, shared with its loop baseline (bench/baseline-keyed-work.mjs).

/** `rounds` steps of xorshift32 seeded by `x`: pure CPU, no allocation, not optimisable away (the result is used). */
export function spin(x, rounds) {
  let h = (x ^ 0x9e3779b9) | 1;
  for (let r = 0; r < rounds; r++) {
    h ^= h << 13;
    h ^= h >>> 17;
    h ^= h << 5;
  }
  return h;
}
