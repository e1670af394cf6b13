// BATCH input stage in front of a keyed head: collects the task's whole input grouped by key, then feeds it key by key.
//
// Grouping is by hash (one Map from normalized key to the key's records, records kept in
// arrival order), and keys are fed in key-group order, then first-arrival order within a key
// group. Rejected: sorting all records by (key group, key) — O(n log n) comparator calls over
// every record, where the hash grouping is one Map lookup and one push per record; only the
// keys are sorted, and only when they go to disk.
//
// Memory: records are held until the input ends or until their estimated heap size passes
// the budget (ExecutionConfig.batch.sortMemory); then the held keys are sorted by (key group,
// key) and written as one sorted run to local disk (sorted-runs.ts), and collecting starts
// again with an empty map. At the end of input a task that spilled merges its runs and the
// in-memory rest (sorted the same way) key by key: one key's records come together from
// every run, in arrival order. A task that never spilled feeds from memory as before.
//
// This is the 'grouped' keyed input (ExecutionConfig.batchKeyedInput), not the default:
// holding records costs more than it saves when the keys fit the heap — the 6 M-word count
// took 44 s grouped against 9 s with 'state' (records straight into keyed state, final values
// at end of input) on the same loaded 2-core machine; V8 promotes and copies the retained
// records through every young-generation GC. Grouping with spilling is what finishes a job
// whose keys do not fit the heap (docs/batch.md).

import { mkdtempSync, rmSync } from 'node:fs';
import { spillPrefix } from '../core/exit-cleanup.ts';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Key } from '../core/types.ts';
import { encodeBatch } from '../serde/index.ts';
import { normalizeKey, type NormalizedKey } from '../state/key-encoding.ts';
import { compareKeys, FileRunCursor, RunWriter, type RunCursor } from './sorted-runs.ts';

/** One key's input: its records and, when any had one, their timestamps (NaN = none). */
interface KeyRun {
  readonly key: Key;
  readonly norm: NormalizedKey;
  readonly keyGroup: number;
  readonly records: unknown[];
  timestamps: number[] | undefined;
}

/** What the drain calls, per key: start (set the key; again when a key resumes in a later call), each record, end (final values, timers, drop state). */
export interface KeyedFeed {
  startKey(key: Key, keyGroup: number): void;
  record(record: unknown, timestamp: number): void;
  endKey(key: Key, keyGroup: number): void;
}

/** Spilling: the memory budget, where runs go, and how a record's key is found again when it is read back. */
export interface SpillOptions {
  /** Estimated bytes of collected input past which it is written to disk as a sorted run. */
  readonly memoryBytes: number;
  /** Parent directory of this input's run files (a fresh subdirectory is made in it). */
  readonly dir?: string;
  /** The head's key selector. */
  readonly keyOf: (record: unknown) => Key;
}

/** Heap bytes one collected key costs beyond its records (its KeyRun, arrays and Map entry): an estimate. */
const BYTES_PER_KEY = 160;
/** Heap bytes a record costs per byte of its encoded form (object headers, pointers, strings): an estimate. */
const HEAP_PER_ENCODED_BYTE = 3;
/** Records sampled (encoded once) to estimate a record's heap size. */
const SAMPLE = 256;
/** How often (records) the estimate is compared with the budget. */
const CHECK_EVERY = 512;

export class BatchKeyedInput {
  #runs = new Map<NormalizedKey, KeyRun>();
  #order: KeyRun[] | undefined;
  /** Drain position: the run, and the next record within it (−1 = the run was not started). */
  #run = 0;
  #next = -1;
  #records = 0;
  readonly #spill: SpillOptions | undefined;
  #spillDir: string | undefined;
  readonly #spilled: RunWriter[] = [];
  /** Records and keys collected in memory since the last spill. */
  #heldRecords = 0;
  #bytesPerRecord = 0;
  #sample: unknown[] | undefined = [];
  #sinceCheck = 0;
  /** Merge state (after a spill): cursors over every run and the in-memory rest, the current key. */
  #cursors: RunCursor[] | undefined;
  #current: RunCursor | undefined;
  #currentKey: { key: Key; norm: NormalizedKey; keyGroup: number } | undefined;

  constructor(spill?: SpillOptions) {
    this.#spill = spill;
  }

  /** Records collected so far. */
  get size(): number {
    return this.#records;
  }

  /** Number of distinct keys held in memory (since the last spill). */
  get keys(): number {
    return this.#runs.size;
  }

  /** Sorted runs written to disk so far. */
  get spilledRuns(): number {
    return this.#spilled.length;
  }

  /** Bytes written to disk so far. */
  get spilledBytes(): number {
    let n = 0;
    for (const w of this.#spilled) n += w.bytes;
    return n;
  }

  add(key: Key, keyGroup: number, record: unknown, timestamp: number): void {
    const norm = normalizeKey(key);
    let run = this.#runs.get(norm);
    if (run === undefined) {
      run = { key, norm, keyGroup, records: [], timestamps: undefined };
      this.#runs.set(norm, run);
    }
    if (timestamp === timestamp) {
      // A record with a timestamp: from now on this key keeps one per record (NaN for those before).
      run.timestamps ??= new Array<number>(run.records.length).fill(Number.NaN);
      run.timestamps.push(timestamp);
    } else if (run.timestamps !== undefined) {
      run.timestamps.push(timestamp);
    }
    run.records.push(record);
    this.#records++;
    this.#heldRecords++;
    if (this.#spill !== undefined && ++this.#sinceCheck >= CHECK_EVERY) this.#checkBudget(record);
    else if (this.#sample !== undefined && this.#sample.length < SAMPLE) this.#sample.push(record);
  }

  /** Estimated heap bytes of what is held in memory now. */
  get heldBytes(): number {
    return this.#heldRecords * this.#bytesPerRecord + this.#runs.size * BYTES_PER_KEY;
  }

  #checkBudget(record: unknown): void {
    this.#sinceCheck = 0;
    if (this.#sample !== undefined) {
      const sample = this.#sample;
      if (sample.length === 0) sample.push(record);
      const encoded = encodeBatch(sample, sample.length, null);
      const used = new DataView(encoded).getUint32(0, true);
      // Per record: its encoded size scaled to the heap, plus its array slot (and a timestamp).
      this.#bytesPerRecord = (used / sample.length) * HEAP_PER_ENCODED_BYTE + 16;
      this.#sample = undefined;
    }
    if (this.heldBytes > this.#spill!.memoryBytes) this.#spillNow();
  }

  /** Writes what is held as one run sorted by (key group, key), and frees it. */
  #spillNow(): void {
    const spill = this.#spill!;
    // Named with the pid: the main thread removes this process's spill directories if it exits first (core/exit-cleanup.ts).
    this.#spillDir ??= mkdtempSync(join(spill.dir ?? tmpdir(), spillPrefix()));
    const writer = new RunWriter(join(this.#spillDir, `run-${this.#spilled.length}`));
    for (const run of this.#sortedRuns()) {
      const { records, timestamps, keyGroup } = run;
      for (let i = 0; i < records.length; i++) writer.add(records[i], keyGroup, timestamps === undefined ? Number.NaN : timestamps[i]!);
    }
    writer.finish();
    this.#spilled.push(writer);
    this.#runs = new Map();
    this.#heldRecords = 0;
  }

  #sortedRuns(): KeyRun[] {
    return Array.from(this.#runs.values()).sort((a, b) => a.keyGroup - b.keyGroup || compareKeys(a.norm, b.norm));
  }

  /**
   * Feeds up to about `budget` records (whole keys are not required: a key may span calls);
   * returns true once every key was fed and ended. Collected records are released as their
   * key ends.
   */
  drain(budget: number, feed: KeyedFeed): boolean {
    if (this.#spilled.length > 0) return this.#drainMerged(budget, feed);
    if (this.#order === undefined) {
      // Stable sort by key group keeps first-arrival order within one.
      this.#order = Array.from(this.#runs.values()).sort((a, b) => a.keyGroup - b.keyGroup);
      this.#runs.clear();
    }
    const order = this.#order;
    let fed = 0;
    while (this.#run < order.length) {
      const run = order[this.#run]!;
      // Also when resuming a key in a later call: something else may have set another key meanwhile.
      feed.startKey(run.key, run.keyGroup);
      if (this.#next < 0) this.#next = 0;
      const records = run.records;
      const timestamps = run.timestamps;
      const n = records.length;
      let i = this.#next;
      const stop = Math.min(n, i + (budget - fed));
      for (; i < stop; i++) feed.record(records[i], timestamps === undefined ? Number.NaN : timestamps[i]!);
      fed += i - this.#next;
      this.#next = i;
      if (i < n) return false;
      feed.endKey(run.key, run.keyGroup);
      order[this.#run] = undefined as unknown as KeyRun;
      this.#run++;
      this.#next = -1;
      fed++;
      if (fed >= budget) return this.#run >= order.length;
    }
    return true;
  }

  /** The k-way merge of the spilled runs (oldest first) and the in-memory rest, key by key. */
  #drainMerged(budget: number, feed: KeyedFeed): boolean {
    if (this.#cursors === undefined) {
      const keyOf = this.#spill!.keyOf;
      const lookup = (record: unknown): { key: Key; norm: NormalizedKey } => {
        const key = keyOf(record);
        return { key, norm: normalizeKey(key) };
      };
      const cursors: RunCursor[] = this.#spilled.map((w) => new FileRunCursor(w.path, lookup));
      cursors.push(new MemoryRunCursor(this.#sortedRuns()));
      this.#runs = new Map();
      this.#heldRecords = 0;
      this.#cursors = cursors;
    }
    const cursors = this.#cursors;
    let fed = 0;
    for (;;) {
      let current = this.#currentKey;
      if (current === undefined) {
        let min: RunCursor | undefined;
        for (const c of cursors) {
          if (c.valid && (min === undefined || c.keyGroup < min.keyGroup || (c.keyGroup === min.keyGroup && compareKeys(c.norm, min.norm) < 0))) min = c;
        }
        if (min === undefined) return true;
        current = this.#currentKey = { key: min.key, norm: min.norm, keyGroup: min.keyGroup };
      }
      feed.startKey(current.key, current.keyGroup);
      // Runs in the order they were written, so the key's records keep their arrival order.
      for (const c of cursors) {
        while (c.valid && c.keyGroup === current.keyGroup && c.norm === current.norm) {
          if (fed >= budget) return false;
          feed.record(c.record, c.timestamp);
          c.advance();
          fed++;
        }
      }
      feed.endKey(current.key, current.keyGroup);
      this.#currentKey = undefined;
      fed++;
      if (fed >= budget) return !cursors.some((c) => c.valid);
    }
  }

  /** Deletes spilled runs (end of input, failure or cancellation). */
  dispose(): void {
    for (const c of this.#cursors ?? []) c.close();
    if (this.#spillDir !== undefined) rmSync(this.#spillDir, { recursive: true, force: true });
    this.#spillDir = undefined;
  }
}

/** The in-memory rest of a spilling input, sorted like a run. */
class MemoryRunCursor implements RunCursor {
  readonly #runs: KeyRun[];
  #r = 0;
  #i = 0;
  valid = true;
  keyGroup = 0;
  norm: NormalizedKey = '';
  key: Key = '';
  record: unknown;
  timestamp = Number.NaN;

  constructor(runs: KeyRun[]) {
    this.#runs = runs;
    this.#set();
  }

  #set(): void {
    const run = this.#runs[this.#r];
    if (run === undefined) {
      this.valid = false;
      this.record = undefined;
      return;
    }
    this.keyGroup = run.keyGroup;
    this.norm = run.norm;
    this.key = run.key;
    this.record = run.records[this.#i];
    this.timestamp = run.timestamps === undefined ? Number.NaN : run.timestamps[this.#i]!;
  }

  advance(): void {
    const run = this.#runs[this.#r]!;
    if (++this.#i >= run.records.length) {
      this.#runs[this.#r] = undefined as unknown as KeyRun;
      this.#r++;
      this.#i = 0;
    }
    this.#set();
  }

  close(): void {}
}
