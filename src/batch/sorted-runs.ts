// Spilled sorted runs of keyed records: written in encoded chunks to one local file per run, read back by cursor for a k-way merge.
//
// A run is the records a task collected until its memory budget was reached, sorted by (key
// group, key) with arrival order kept within a key, written as chunks of up to CHUNK_RECORDS
// records in the batch codec of the network (serde/buffer-codec.ts: key groups and timestamps
// travel in its columns). Chunk = u32 little-endian byte length, then the encoded batch.

import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import { WeirError } from '../core/errors.ts';
import type { Key } from '../core/types.ts';
import { decodeBatch, encodeBatch } from '../serde/index.ts';
import type { NormalizedKey } from '../state/key-encoding.ts';

/** Records per encoded chunk of a spilled run. */
export const CHUNK_RECORDS = 1024;

/** Total order of normalized keys: by type, then by value (strings by code unit). */
export function compareKeys(a: NormalizedKey, b: NormalizedKey): number {
  const ta = typeof a;
  const tb = typeof b;
  if (ta !== tb) return ta < tb ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Appends encoded chunks to a run file. */
export class RunWriter {
  readonly path: string;
  readonly #fd: number;
  #records: unknown[] = [];
  #keyGroups = new Int32Array(CHUNK_RECORDS);
  #timestamps = new Float64Array(CHUNK_RECORDS);
  #hasTimestamps = false;
  #scratch: ArrayBuffer | undefined;
  bytes = 0;
  records = 0;

  constructor(path: string) {
    this.path = path;
    this.#fd = openSync(path, 'w');
  }

  add(record: unknown, keyGroup: number, timestamp: number): void {
    const i = this.#records.length;
    this.#keyGroups[i] = keyGroup;
    this.#timestamps[i] = timestamp;
    if (timestamp === timestamp) this.#hasTimestamps = true;
    this.#records.push(record);
    if (this.#records.length === CHUNK_RECORDS) this.#flush();
  }

  #flush(): void {
    const n = this.#records.length;
    if (n === 0) return;
    const encoded = encodeBatch(this.#records, n, this.#keyGroups.subarray(0, n), this.#scratch, this.#hasTimestamps ? this.#timestamps.subarray(0, n) : null);
    this.#scratch = encoded;
    const used = new DataView(encoded).getUint32(0, true);
    const header = Buffer.allocUnsafe(4);
    header.writeUInt32LE(used, 0);
    writeSync(this.#fd, header);
    writeSync(this.#fd, new Uint8Array(encoded, 0, used));
    this.bytes += used + 4;
    this.records += n;
    this.#records = [];
    this.#hasTimestamps = false;
  }

  /** Writes the last chunk and closes the file. */
  finish(): void {
    this.#flush();
    closeSync(this.#fd);
  }
}

/** A position in a sorted sequence of (key group, key, record, timestamp): a spilled run or the in-memory rest. */
export interface RunCursor {
  /** False once every record was taken. */
  readonly valid: boolean;
  readonly keyGroup: number;
  readonly norm: NormalizedKey;
  readonly key: Key;
  readonly record: unknown;
  readonly timestamp: number;
  advance(): void;
  close(): void;
}

/** Reads a spilled run chunk by chunk; `keyOf` recomputes each record's key (the head's key selector). */
export class FileRunCursor implements RunCursor {
  readonly #path: string;
  readonly #keyOf: (record: unknown) => { key: Key; norm: NormalizedKey };
  #fd: number;
  #pos = 0;
  #records: unknown[] = [];
  #keyGroups: Int32Array | null = null;
  #timestamps: Float64Array | undefined;
  #i = 0;
  valid = true;
  keyGroup = 0;
  norm: NormalizedKey = '';
  key: Key = '';
  record: unknown;
  timestamp = Number.NaN;

  constructor(path: string, keyOf: (record: unknown) => { key: Key; norm: NormalizedKey }) {
    this.#path = path;
    this.#keyOf = keyOf;
    this.#fd = openSync(path, 'r');
    this.#load();
  }

  #load(): void {
    const header = Buffer.allocUnsafe(4);
    if (readSync(this.#fd, header, 0, 4, this.#pos) < 4) {
      this.valid = false;
      this.close();
      return;
    }
    const length = header.readUInt32LE(0);
    const buffer = new ArrayBuffer(length);
    const got = readSync(this.#fd, new Uint8Array(buffer), 0, length, this.#pos + 4);
    if (got !== length) {
      throw new WeirError(`spilled run '${this.#path}' is truncated: chunk at byte ${this.#pos} has ${got} of ${length} bytes`, { code: 'WEIR_SPILL_CORRUPT', fault: 'external' });
    }
    this.#pos += 4 + length;
    const batch = decodeBatch(buffer);
    this.#records = batch.records;
    this.#keyGroups = batch.keyGroups;
    this.#timestamps = batch.timestamps;
    this.#i = 0;
    this.#set();
  }

  #set(): void {
    const i = this.#i;
    const record = this.#records[i];
    const { key, norm } = this.#keyOf(record);
    this.record = record;
    this.key = key;
    this.norm = norm;
    this.keyGroup = this.#keyGroups![i]!;
    this.timestamp = this.#timestamps === undefined ? Number.NaN : this.#timestamps[i]!;
  }

  advance(): void {
    if (++this.#i < this.#records.length) this.#set();
    else this.#load();
  }

  close(): void {
    if (this.#fd >= 0) {
      closeSync(this.#fd);
      this.#fd = -1;
    }
  }
}
