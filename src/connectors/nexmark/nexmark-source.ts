// The Nexmark source: one split per generator over a disjoint id range, position checkpointed, bounded or not, paced only when a rate is set.

import type { Collector } from '../../core/types.ts';
import { WatermarkStrategy } from '../../api/watermark-strategy.ts';
import type { PollStatus, ReaderOutput, Source, SourceReader, SourceReaderContext, SourceSplit, SplitEnumeratorContext } from '../source.ts';
import { resolveNexmarkConfig, type NexmarkConfig, type ResolvedNexmarkConfig } from './config.ts';
import { NexmarkGenerator, splitRanges } from './generator.ts';
import { eventTime, type NexmarkEvent } from './model.ts';

/** A generator's range and how far it got: plain data, stored in checkpoints. */
export interface NexmarkSplit extends SourceSplit {
  readonly index: number;
  /** How many generators the job has (sets each one's event-time spacing). */
  readonly generators: number;
  readonly firstEventId: number;
  /** Events in this split; null: unbounded. */
  readonly maxEvents: number | null;
  /** Events emitted so far (the next one is event `next` of the split). */
  readonly next: number;
}

/** The reference DDL's `WATERMARK FOR dateTime AS dateTime - INTERVAL '4' SECOND`. */
export const NEXMARK_OUT_OF_ORDERNESS_MS = 4000;

/** Timestamps from each event's dateTime, watermarks 4 s behind the newest (per split at the source). */
export function nexmarkWatermarks(): WatermarkStrategy<NexmarkEvent> {
  return WatermarkStrategy.forBoundedOutOfOrderness<NexmarkEvent>(NEXMARK_OUT_OF_ORDERNESS_MS).withTimestampAssigner((e) => eventTime(e));
}

/**
 * `env.fromSource(new NexmarkSource(config), nexmarkWatermarks(), 'Nexmark')`. With
 * `generators` unset there is one split per source subtask, as the reference (one generator per
 * subtask); with it set, that many splits handed out to the subtasks, so the events do not
 * depend on the parallelism.
 */
export class NexmarkSource implements Source<NexmarkEvent, NexmarkSplit> {
  readonly bounded: boolean;
  readonly config: ResolvedNexmarkConfig;

  constructor(config: NexmarkConfig = {}) {
    this.config = resolveNexmarkConfig(config);
    this.bounded = this.config.events > 0;
  }

  enumerateSplits(context: SplitEnumeratorContext): NexmarkSplit[] {
    const count = this.config.generators ?? context.parallelism;
    return splitRanges(this.config, count).map((r) => ({
      splitId: `nexmark-${r.index}`, index: r.index, generators: count, firstEventId: r.firstEventId,
      maxEvents: Number.isFinite(r.maxEvents) ? r.maxEvents : null, next: 0,
    }));
  }

  createReader(_context: SourceReaderContext): SourceReader<NexmarkEvent, NexmarkSplit> {
    return new NexmarkReader(this.config);
  }
}

interface ActiveSplit {
  readonly split: NexmarkSplit;
  readonly generator: NexmarkGenerator;
  readonly max: number;
  next: number;
  out?: Collector<NexmarkEvent>;
  outOf?: Collector<NexmarkEvent>;
}

class NexmarkReader implements SourceReader<NexmarkEvent, NexmarkSplit> {
  readonly #config: ResolvedNexmarkConfig;
  readonly #splits: ActiveSplit[] = [];
  /** Pacing only: wall-clock ms (performance.now) at which event time baseTime is due. */
  #wallBase: number | undefined;
  #cursor = 0;

  constructor(config: ResolvedNexmarkConfig) {
    this.#config = config;
  }

  addSplits(splits: readonly NexmarkSplit[]): void {
    for (const s of splits) {
      const max = s.maxEvents ?? Number.POSITIVE_INFINITY;
      const generator = new NexmarkGenerator(this.#config, { index: s.index, firstEventId: s.firstEventId, maxEvents: max }, s.generators);
      this.#splits.push({ split: s, generator, max, next: s.next });
    }
  }

  pollNext(output: Collector<NexmarkEvent>, max: number): PollStatus {
    const perSplit = typeof (output as Partial<ReaderOutput<NexmarkEvent>>).forSplit === 'function' ? output as ReaderOutput<NexmarkEvent> : undefined;
    for (const s of this.#splits) {
      if (s.outOf !== output) { s.out = perSplit ? perSplit.forSplit(s.split.splitId) : output; s.outOf = output; }
    }
    // Pacing (`rate`): an event is due at wallBase + (its event time − baseTime); set from the first poll (or the restored position).
    let dueLimit = Number.POSITIVE_INFINITY;
    if (this.#config.rate !== undefined && this.#splits.length > 0) {
      const now = performance.now();
      if (this.#wallBase === undefined) {
        const first = this.#splits[0]!;
        this.#wallBase = now - (first.generator.timestamp(first.next) - this.#config.baseTime);
      }
      dueLimit = this.#config.baseTime + (now - this.#wallBase);
    }
    let done = 0;
    let waiting = false;
    // One event per split in turn: the splits share one event-time timeline, so they advance together.
    while (done < max && this.#splits.length > 0) {
      if (this.#cursor >= this.#splits.length) {
        this.#cursor = 0;
        if (waiting) break;
      }
      const s = this.#splits[this.#cursor]!;
      if (s.next >= s.max) {
        perSplit?.releaseSplit(s.split.splitId);
        this.#splits.splice(this.#cursor, 1);
        continue;
      }
      if (dueLimit !== Number.POSITIVE_INFINITY && s.generator.timestamp(s.next) > dueLimit) {
        waiting = true;
        this.#cursor++;
        continue;
      }
      const k = s.next;
      s.next = k + 1; // advanced before the call: a throwing downstream must not re-emit this event
      s.out!.collect(s.generator.event(k));
      done++;
      this.#cursor++;
    }
    if (this.#splits.length === 0) return 'end';
    return waiting && done < max ? 'wait' : 'more';
  }

  available(): Promise<void> {
    if (this.#config.rate === undefined || this.#wallBase === undefined || this.#splits.length === 0) return Promise.resolve();
    let next = Number.POSITIVE_INFINITY;
    for (const s of this.#splits) if (s.next < s.max) next = Math.min(next, s.generator.timestamp(s.next));
    const dueIn = Math.max(1, this.#wallBase + (next - this.#config.baseTime) - performance.now());
    return new Promise((resolve) => setTimeout(resolve, Math.min(dueIn, 50)));
  }

  snapshotState(): NexmarkSplit[] {
    return this.#splits.map((s) => ({ ...s.split, next: s.next }));
  }

  close(): void {}
}
