// What a Nexmark query is in Weir (its columns, its pipeline, whether it updates), and the pieces the queries share.

import {
  ValueStateDescriptor, type Auction, type Bid, type Collector, type DataStream, type Key, type KeyedProcessContext,
  type KeyedStream, type NexmarkEvent, type OnTimerContext, type Person, type RuntimeContext, type ValueState,
} from 'weir';

/** A result row: the values of the query's SELECT list, in order. Decimals are preformatted strings; null is SQL NULL. */
export type Row = readonly (number | string | null)[];

/**
 * One query. `build` turns the event stream (timestamps and the 4 s watermark already set)
 * into its result stream. An append-only query's rows are all results. An updating query (a
 * Flink changelog with retractions or upserts) emits an upsert stream here: each row replaces the
 * previous row of its `upsertKey`, and its result for a bounded input is the last row per key
 * (`finalRows`). No Nexmark query in this set deletes a key without replacing it, so upserts
 * say everything its retractions say.
 */
export interface NexmarkQuery {
  readonly name: string;
  readonly columns: readonly string[];
  build(events: DataStream<NexmarkEvent>): DataStream<Row>;
  readonly upsertKey?: (row: Row) => Key;
  /**
   * An updating query's pipeline for a bounded input: each key's final row, emitted once when the
   * input ends (an event-time timer at END_OF_INPUT, set on the key's first record), instead of an
   * upsert per record compacted by `finalRows` afterwards. The same final table, without a row, a
   * second keyBy and a state update per record. Unbounded inputs use `build`.
   */
  buildFinal?(events: DataStream<NexmarkEvent>): DataStream<Row>;
}

/** Bids, persons, auctions out of the event stream (one chained flatMap each; timestamps kept). */
export function bids(events: DataStream<NexmarkEvent>): DataStream<Bid> {
  return events.flatMap((e: NexmarkEvent, out: Collector<Bid>) => { if (e.type === 2) out.collect(e.bid); }, 'Bids');
}
export function persons(events: DataStream<NexmarkEvent>): DataStream<Person> {
  return events.flatMap((e: NexmarkEvent, out: Collector<Person>) => { if (e.type === 0) out.collect(e.person); }, 'Persons');
}
export function auctions(events: DataStream<NexmarkEvent>): DataStream<Auction> {
  return events.flatMap((e: NexmarkEvent, out: Collector<Auction>) => { if (e.type === 1) out.collect(e.auction); }, 'Auctions');
}

/** An auction or a bid event. */
export type AuctionOrBid = Extract<NexmarkEvent, { type: 1 } | { type: 2 }>;

/**
 * Auctions and bids as one stream keyed by auction id (persons dropped), for the auction ⋈ bid
 * joins: both sides of a key meet in one KeyedProcessFunction, as in a KeyedCoProcessFunction over
 * two connected keyed streams, but a one-input operator chains to the source at parallelism 1 (no
 * channel between them).
 */
export function auctionsAndBids(events: DataStream<NexmarkEvent>): KeyedStream<AuctionOrBid, number> {
  return events.flatMap((e: NexmarkEvent, out: Collector<AuctionOrBid>) => { if (e.type !== 0) out.collect(e); }, 'Auctions and bids')
    .keyBy((e: AuctionOrBid) => (e.type === 1 ? e.auction.id : e.bid.auction));
}

/** DECIMAL(23, 3) of 0.908 · cents, exact: 908 · price thousandths (< 2^53 for any generated price). */
export function euros(price: number): string {
  const v = price * 908;
  const frac = v % 1000;
  return `${(v - frac) / 1000}.${frac < 10 ? '00' : frac < 100 ? '0' : ''}${frac}`;
}

const MS_PER_DAY = 86_400_000;
const dayNames = new Map<number, string>();

/** The UTC day of an epoch-ms instant, as a number (days since 1970-01-01). */
export function dayNumber(ms: number): number {
  return Math.floor(ms / MS_PER_DAY);
}

/** `yyyy-MM-dd` of a day number (formatted once per day: toISOString per record was a large share of q15–q17). */
export function dayName(dayNo: number): string {
  let s = dayNames.get(dayNo);
  if (s === undefined) dayNames.set(dayNo, (s = new Date(dayNo * MS_PER_DAY).toISOString().slice(0, 10)));
  return s;
}

/** `yyyy-MM-dd` of an epoch-ms instant (UTC, as the reference's TIMESTAMP(3)). */
export function day(ms: number): string {
  return dayName(Math.floor(ms / MS_PER_DAY));
}

/** `HH:mm` (UTC). */
export function hourMinute(ms: number): string {
  const m = ((Math.floor(ms / 60_000) % 1440) + 1440) % 1440;
  return MINUTES[m]!;
}

const MINUTES: readonly string[] = Array.from({ length: 1440 }, (_, m) => new Date(m * 60_000).toISOString().slice(11, 16));

/** One CSV line (RFC 4180): a field with a comma, a quote, CR or LF is quoted, its quotes doubled; NULL is an empty field. */
export function csvLine(row: Row): string {
  let line = '';
  for (let i = 0; i < row.length; i++) {
    const v = row[i];
    if (i > 0) line += ',';
    if (v === null || v === undefined) continue;
    if (typeof v === 'number') { line += String(v); continue; }
    line += /[",\r\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v;
  }
  return line;
}

/** An event-time timer at this time fires only at the end of a bounded input (the final watermark is +∞; BATCH jumps there). */
export const END_OF_INPUT = Number.MAX_SAFE_INTEGER;

/**
 * The last row per key, emitted when the input ends (STREAMING with a bounded input, or BATCH):
 * the final table of an updating query. Rows carry no timestamp of their own downstream.
 */
export function finalRows(upserts: DataStream<Row>, key: (row: Row) => Key): DataStream<Row> {
  return upserts.keyBy(key).process(() => {
    let last!: ValueState<Row>;
    return {
      open(ctx: RuntimeContext) { last = ctx.getState(new ValueStateDescriptor<Row>('last-row')); },
      processElement(row: Row, ctx: KeyedProcessContext<Key>) {
        if (last.value() === undefined) ctx.timerService().registerEventTimeTimer(END_OF_INPUT);
        last.update(row);
      },
      onTimer(_t: number, _ctx: OnTimerContext<Key>, out: Collector<Row>) {
        const row = last.value();
        if (row !== undefined) out.collect(row);
        last.clear();
      },
    };
  }, 'Last row per key');
}

/**
 * The query's result stream for the job: final rows of an updating query when the input is bounded
 * (`buildFinal` where the query has one, unless `upserts` asks for the upsert stream compacted by
 * `finalRows`, which tests compare it with), else what build() emits.
 */
export function results(query: NexmarkQuery, events: DataStream<NexmarkEvent>, bounded: boolean, upserts = false): DataStream<Row> {
  if (bounded && !upserts && query.buildFinal !== undefined) return query.buildFinal(events);
  const rows = query.build(events);
  return query.upsertKey !== undefined && bounded ? finalRows(rows, query.upsertKey) : rows;
}
