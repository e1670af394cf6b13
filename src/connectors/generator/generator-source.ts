// A data generator source: record i = generate(i), bounded or not, optionally rate-limited.

import type { Collector } from '../../core/types.ts';
import { ConfigError } from '../../core/errors.ts';
import type { PollStatus, ReaderOutput, Source, SourceReader, SourceReaderContext, SourceSplit } from '../source.ts';

export interface GeneratorSplit extends SourceSplit {
  /** Next sequence number this split emits. Split k of n emits k, k+n, k+2n, … below `count`. */
  readonly next: number;
  readonly stride: number;
}

export interface GeneratorOptions {
  /** Number of records; undefined = unbounded. */
  readonly count?: number;
  /** Records per second over all subtasks; undefined = as fast as possible. */
  readonly ratePerSecond?: number;
}

export class GeneratorSource<T> implements Source<T, GeneratorSplit> {
  readonly bounded: boolean;
  readonly #generate: (index: number) => T;
  readonly #count: number;
  readonly #rate: number | undefined;

  constructor(generate: (index: number) => T, options: GeneratorOptions = {}) {
    for (const key of Object.keys(options)) {
      if (key !== 'count' && key !== 'ratePerSecond') throw new ConfigError(`fromGenerator: unknown option "${key}" (known: count, ratePerSecond)`);
    }
    if (options.count !== undefined && (!Number.isInteger(options.count) || options.count < 0)) {
      throw new ConfigError(`fromGenerator: count must be an integer ≥ 0, got ${options.count}`);
    }
    if (options.ratePerSecond !== undefined && !(options.ratePerSecond > 0)) {
      throw new ConfigError(`fromGenerator: ratePerSecond must be > 0, got ${options.ratePerSecond}`);
    }
    this.#generate = generate;
    this.#count = options.count ?? Number.POSITIVE_INFINITY;
    this.bounded = options.count !== undefined;
    this.#rate = options.ratePerSecond;
  }

  enumerateSplits(context: { parallelism: number }): GeneratorSplit[] {
    const splits: GeneratorSplit[] = [];
    for (let k = 0; k < context.parallelism; k++) splits.push({ splitId: `generator-${k}`, next: k, stride: context.parallelism });
    return splits;
  }

  createReader(context: SourceReaderContext): SourceReader<T, GeneratorSplit> {
    const rate = this.#rate === undefined ? undefined : this.#rate / context.parallelism;
    return new GeneratorReader(this.#generate, this.#count, rate);
  }
}

class GeneratorReader<T> implements SourceReader<T, GeneratorSplit> {
  readonly #generate: (index: number) => T;
  readonly #count: number;
  readonly #ratePerMs: number | undefined;
  readonly #splits: { splitId: string; next: number; stride: number; out?: Collector<T>; outOf?: Collector<T> }[] = [];
  #startedAt = 0;
  #emitted = 0;
  #cursor = 0;

  constructor(generate: (index: number) => T, count: number, ratePerSecond: number | undefined) {
    this.#generate = generate;
    this.#count = count;
    this.#ratePerMs = ratePerSecond === undefined ? undefined : ratePerSecond / 1000;
  }

  addSplits(splits: readonly GeneratorSplit[]): void {
    for (const s of splits) this.#splits.push({ splitId: s.splitId, next: s.next, stride: s.stride });
  }

  pollNext(output: Collector<T>, max: number): PollStatus {
    let budget = max;
    if (this.#ratePerMs !== undefined) {
      const now = performance.now();
      if (this.#startedAt === 0) this.#startedAt = now;
      const allowed = Math.floor((now - this.#startedAt) * this.#ratePerMs) + 1 - this.#emitted;
      if (allowed <= 0) return this.#splits.length > 0 ? 'wait' : 'end';
      budget = Math.min(budget, allowed);
    }
    let done = 0;
    // Per-split outputs (per-split watermarks) when the runtime's ReaderOutput is given.
    const perSplit = typeof (output as Partial<ReaderOutput<T>>).forSplit === 'function' ? output as ReaderOutput<T> : undefined;
    for (const split of this.#splits) {
      if (split.outOf !== output) { split.out = perSplit ? perSplit.forSplit(split.splitId) : output; split.outOf = output; }
    }
    while (done < budget && this.#splits.length > 0) {
      if (this.#cursor >= this.#splits.length) this.#cursor = 0;
      const split = this.#splits[this.#cursor]!;
      if (split.next >= this.#count) { perSplit?.releaseSplit(split.splitId); this.#splits.splice(this.#cursor, 1); continue; }
      if (this.#splits.length === 1) {
        // One split (every reader at p ≤ splits): a tight loop in locals up to the budget or the split's end.
        const out = split.out!;
        const generate = this.#generate;
        const stride = split.stride;
        const n = Math.min(budget - done, Math.ceil((this.#count - split.next) / stride));
        let index = split.next;
        let j = 0;
        try {
          for (; j < n; j++) {
            out.collect(generate(index));
            index += stride;
          }
        } finally {
          // Also when a record throws: it counts as emitted (as on the general path), the split resumes after it.
          split.next = j < n ? index + stride : index;
          done += j;
        }
        continue;
      }
      const index = split.next;
      split.next = index + split.stride;
      done++;
      split.out!.collect(this.#generate(index));
      this.#cursor++;
    }
    this.#emitted += done;
    if (this.#splits.length === 0) return 'end';
    return this.#ratePerMs !== undefined && done >= budget && budget < max ? 'wait' : 'more';
  }

  available(): Promise<void> {
    if (this.#ratePerMs === undefined) return Promise.resolve();
    const dueIn = Math.max(1, (this.#emitted + 1) / this.#ratePerMs - (performance.now() - this.#startedAt));
    return new Promise((resolve) => setTimeout(resolve, Math.min(dueIn, 50)));
  }

  snapshotState(): GeneratorSplit[] {
    return this.#splits.map((s) => ({ splitId: s.splitId, next: s.next, stride: s.stride }));
  }

  close(): void {}
}
