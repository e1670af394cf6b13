// Counter-based randomness for the Nexmark generator: every event's values come from (seed, event id) alone, so any event can be generated on its own.

/** fmix32 of MurmurHash3: a bijective 32-bit mix. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

const TWO_32 = 4294967296;

/**
 * sfc32 (Chris Doty-Humphrey's small fast counting generator), reseeded per event from
 * (seed, id). The reference uses an unseeded SplittableRandom, so only the structure of its
 * streams is reproducible; here the values are too (the same seed, the same events).
 * One instance per generator, reused: no allocation per event.
 */
export class EventRandom {
  #a = 0;
  #b = 0;
  #c = 0;
  #d = 0;

  /** Restarts the sequence for event `id` (a non-negative safe integer) under `seed` (uint32). */
  reseed(seed: number, id: number): void {
    const lo = id >>> 0;
    const hi = Math.floor(id / TWO_32) >>> 0;
    this.#a = fmix32(lo ^ fmix32((seed + 0x9e3779b9) >>> 0));
    this.#b = fmix32(hi ^ 0x6a09e667 ^ this.#a);
    this.#c = fmix32(this.#a ^ this.#b ^ 0xbb67ae85);
    this.#d = 1;
    this.u32(); this.u32(); this.u32(); this.u32();
  }

  /** Uniform in [0, 2^32). */
  u32(): number {
    const t = (((this.#a + this.#b) | 0) + this.#d) | 0;
    this.#d = (this.#d + 1) | 0;
    this.#a = this.#b ^ (this.#b >>> 9);
    this.#b = (this.#c + (this.#c << 3)) | 0;
    this.#c = (this.#c << 21) | (this.#c >>> 11);
    this.#c = (this.#c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1), 32 bits. */
  double(): number {
    return this.u32() / TWO_32;
  }

  /** Uniform integer in [0, n) for an integer n ≥ 1 (53 bits of randomness above 2^32). */
  int(n: number): number {
    if (n <= TWO_32) return Math.floor((this.u32() / TWO_32) * n);
    const x = (this.u32() * 2097152 + (this.u32() >>> 11)) / 9007199254740992;
    return Math.floor(x * n);
  }
}
