// What a hand-written Nexmark reference is (bench/nexmark-ref/): a single-thread loop's state machine fed one event at a time, no Weir.

import type { NexmarkEvent } from '../../src/connectors/nexmark/index.ts';

/** A result row, as Weir's queries emit them: the SELECT list in order. */
export type Row = readonly (number | string | null)[];

/**
 * One query's reference: `event` per event in generator order, `finish` at the end of the input
 * (final results of windows and updating queries). Rows go to `out`, which counts and folds them
 * into a checksum so that no work can be optimised away.
 */
export interface Reference {
  event(e: NexmarkEvent): void;
  finish(): void;
}

export type ReferenceFactory = (out: RowSink) => Reference;

/** Counts rows and folds their first numeric column (or a string's length) into a checksum. */
export class RowSink {
  rows = 0;
  checksum = 0;
  emit(row: Row): void {
    this.rows++;
    const v = row[0];
    this.checksum = (this.checksum + (typeof v === 'number' ? v : typeof v === 'string' ? v.length : 0)) | 0;
  }
}

/** The reference DDL's watermark: the largest event time seen minus 4 s. */
export const OUT_OF_ORDERNESS_MS = 4000;

/** DECIMAL(23, 3) of 0.908 · cents, exact (908 · price thousandths). */
export function euros(price: number): string {
  const v = price * 908;
  const frac = v % 1000;
  return `${(v - frac) / 1000}.${frac < 10 ? '00' : frac < 100 ? '0' : ''}${frac}`;
}

const days = new Map<number, string>();
/** `yyyy-MM-dd` (UTC) of an epoch-ms instant, cached per day as a hand-written loop would. */
export function day(ms: number): string {
  const d = Math.floor(ms / 86_400_000);
  let s = days.get(d);
  if (s === undefined) days.set(d, (s = new Date(d * 86_400_000).toISOString().slice(0, 10)));
  return s;
}

/** `HH:mm` (UTC). */
export function hourMinute(ms: number): string {
  const m = Math.floor(ms / 60_000) % 1440;
  const h = Math.floor(m / 60);
  const mm = m % 60;
  return `${h < 10 ? '0' : ''}${h}:${mm < 10 ? '0' : ''}${mm}`;
}
