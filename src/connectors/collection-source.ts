// A bounded source over an in-memory collection; its position is the index of the next element.

import type { Collector } from '../core/types.ts';
import type { PollStatus, Source, SourceReader, SourceSplit } from './source.ts';

export interface CollectionSplit extends SourceSplit {
  /** Index of the next element to emit; the split covers [next, end). */
  readonly next: number;
  readonly end: number;
}

/**
 * Elements are cut into one split per subtask; the job graph rebuilds the same collection
 * in every worker, so only indexes travel, never the elements.
 */
export class CollectionSource<T> implements Source<T, CollectionSplit> {
  readonly bounded = true;
  readonly #elements: readonly T[];

  constructor(elements: readonly T[]) {
    this.#elements = elements;
  }

  enumerateSplits(context: { parallelism: number }): CollectionSplit[] {
    const n = this.#elements.length;
    const splits: CollectionSplit[] = [];
    for (let i = 0; i < context.parallelism; i++) {
      const start = Math.floor((i * n) / context.parallelism);
      const end = Math.floor(((i + 1) * n) / context.parallelism);
      if (end > start) splits.push({ splitId: `elements-${start}`, next: start, end });
    }
    return splits;
  }

  createReader(): SourceReader<T, CollectionSplit> {
    return new CollectionReader(this.#elements);
  }
}

class CollectionReader<T> implements SourceReader<T, CollectionSplit> {
  readonly #elements: readonly T[];
  readonly #splits: { splitId: string; next: number; end: number }[] = [];

  constructor(elements: readonly T[]) {
    this.#elements = elements;
  }

  addSplits(splits: readonly CollectionSplit[]): void {
    for (const s of splits) this.#splits.push({ splitId: s.splitId, next: s.next, end: s.end });
  }

  /** The first split is the one being read. */
  pendingSplits(): number {
    return Math.max(0, this.#splits.length - 1);
  }

  pollNext(output: Collector<T>, max: number): PollStatus {
    let emitted = 0;
    while (this.#splits.length > 0) {
      const split = this.#splits[0]!;
      const stop = Math.min(split.end, split.next + (max - emitted));
      const elements = this.#elements;
      const from = split.next;
      for (let i = from; i < stop; ) {
        const element = elements[i++] as T;
        split.next = i; // advanced before the call: a throwing downstream must not re-emit this element
        output.collect(element);
      }
      emitted += split.next - from;
      if (split.next >= split.end) this.#splits.shift();
      if (emitted >= max) return this.#splits.length > 0 ? 'more' : 'end';
    }
    return 'end';
  }

  available(): Promise<void> {
    return Promise.resolve();
  }

  snapshotState(): CollectionSplit[] {
    return this.#splits.map((s) => ({ splitId: s.splitId, next: s.next, end: s.end }));
  }

  close(): void {}
}
