// q8 — monitor new users: persons who opened an auction in the same 10 s tumbling window as they entered the system.
//
// A window coGroup of persons and auctions on person.id = auction.seller (Weir's window join,
// built on the window operator as Flink's DataStream join): a person with at least one auction
// in its window gives one row, as the SQL's GROUP BY on both sides. Append-only.

import { TumblingEventTimeWindows, type Auction, type Collector, type DataStream, type NexmarkEvent, type Person } from 'weir';
import { auctions, persons, type NexmarkQuery, type Row } from './query.ts';

const SIZE = 10_000;

export const q8: NexmarkQuery = {
  name: 'q8',
  columns: ['id', 'name', 'stime'],
  build(events: DataStream<NexmarkEvent>): DataStream<Row> {
    const people = persons(events).map((p: Person) => [p.id, p.name, p.dateTime] as const, 'q8: id, name');
    const sellers = auctions(events).map((a: Auction) => a.seller, 'q8: seller');
    return people.coGroup(sellers).where((p) => p[0]).equalTo((s: number) => s).window(TumblingEventTimeWindows.of(SIZE)).apply(
      (ps: readonly (readonly [number, string, number])[], ss: readonly number[], out: Collector<Row>) => {
        if (ss.length === 0) return;
        for (const [id, name, t] of ps) out.collect([id, name, t - (t % SIZE)]);
      },
      'q8: persons ⋈ sellers per window',
    );
  },
};
