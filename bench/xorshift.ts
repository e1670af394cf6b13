// A seeded xorshift32 for the benchmarks' generated inputs: the same sequence in every run, so runs compare.

/** A function returning numbers in [0, 1), the same sequence for the same seed. */
export function xorshift32(seed = 0x2545f491): () => number {
  let s = seed | 0;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}
