// q3 — local item suggestion: sellers in OR, ID or CA of auctions in category 10 (auction ⋈ person on seller = id, both filtered first).
//
// A regular (unwindowed) inner join, as a KeyedCoProcessFunction keyed by person id: the
// person's name, city and state are kept forever (as Flink, which has no TTL here); auctions
// that come before their seller wait for it. Both inputs only append and a person id occurs
// once, so the result only appends too: the same rows as Flink's, without a changelog.

import {
  ListStateDescriptor, ValueStateDescriptor, type Auction, type Collector, type DataStream, type KeyedCoProcessFunction, type ListState,
  type NexmarkEvent, type Person, type RuntimeContext, type ValueState,
} from 'weir';
import { auctions, persons, type NexmarkQuery, type Row } from './query.ts';

const STATES = new Set(['OR', 'ID', 'CA']);

export const q3: NexmarkQuery = {
  name: 'q3',
  columns: ['name', 'city', 'state', 'id'],
  build(events: DataStream<NexmarkEvent>): DataStream<Row> {
    const sellers = persons(events).filter((p: Person) => STATES.has(p.state), 'q3: OR, ID, CA').keyBy((p: Person) => p.id);
    const items = auctions(events).filter((a: Auction) => a.category === 10, 'q3: category 10').keyBy((a: Auction) => a.seller);
    return items.connect(sellers).process((): KeyedCoProcessFunction<number, Auction, Person, Row> => {
      let seller!: ValueState<readonly [string, string, string]>;
      let waiting!: ListState<number>;
      return {
        open(ctx: RuntimeContext) {
          seller = ctx.getState(new ValueStateDescriptor<readonly [string, string, string]>('person'));
          waiting = ctx.getListState(new ListStateDescriptor<number>('auctions-before-person'));
        },
        processElement1(a: Auction, _ctx, out: Collector<Row>) {
          const p = seller.value();
          if (p === undefined) waiting.add(a.id);
          else out.collect([p[0], p[1], p[2], a.id]);
        },
        processElement2(p: Person, _ctx, out: Collector<Row>) {
          seller.update([p.name, p.city, p.state]);
          for (const id of waiting.get()) out.collect([p.name, p.city, p.state, id]);
          waiting.clear();
        },
      };
    }, 'q3: auction ⋈ person');
  },
};
