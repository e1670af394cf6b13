// References of the joining Nexmark queries q3, q4, q9, q20: hash maps of the side that came first.

import type { Auction, Bid, NexmarkEvent, Person } from '../../src/connectors/nexmark/index.ts';
import type { ReferenceFactory, RowSink } from './reference.ts';

const Q3_STATES = new Set(['OR', 'ID', 'CA']);

/** q3: auctions of category 10 ⋈ persons in OR/ID/CA on seller = id (regular inner join: both sides kept). */
export const q3: ReferenceFactory = (out: RowSink) => {
  const persons = new Map<number, Person>();
  const auctions = new Map<number, number[]>();
  return {
    event(e: NexmarkEvent) {
      if (e.type === 0) {
        const p = e.person;
        if (!Q3_STATES.has(p.state)) return;
        persons.set(p.id, p);
        for (const id of auctions.get(p.id) ?? []) out.emit([p.name, p.city, p.state, id]);
      } else if (e.type === 1) {
        const a = e.auction;
        if (a.category !== 10) return;
        const list = auctions.get(a.seller);
        if (list) list.push(a.id); else auctions.set(a.seller, [a.id]);
        const p = persons.get(a.seller);
        if (p) out.emit([p.name, p.city, p.state, a.id]);
      }
    },
    finish() {},
  };
};

/** Per auction, the bids within its lifetime folded into `acc`; bids that came before their auction wait. */
function lifetimeJoin<A>(onBid: (acc: A, b: Bid) => void, create: (a: Auction) => A) {
  const open = new Map<number, { a: Auction; acc: A }>();
  const early = new Map<number, Bid[]>();
  return {
    open,
    event(e: NexmarkEvent) {
      if (e.type === 1) {
        const a = e.auction;
        const entry = { a, acc: create(a) };
        open.set(a.id, entry);
        const waiting = early.get(a.id);
        if (waiting) {
          early.delete(a.id);
          for (const b of waiting) if (b.dateTime >= a.dateTime && b.dateTime <= a.expires) onBid(entry.acc, b);
        }
      } else if (e.type === 2) {
        const b = e.bid;
        const entry = open.get(b.auction);
        if (entry === undefined) {
          const list = early.get(b.auction);
          if (list) list.push(b); else early.set(b.auction, [b]);
        } else if (b.dateTime >= entry.a.dateTime && b.dateTime <= entry.a.expires) onBid(entry.acc, b);
      }
    },
  };
}

/** q4: the average over auctions of each category of the auction's highest bid within its lifetime (final values). */
export const q4: ReferenceFactory = (out: RowSink) => {
  const join = lifetimeJoin<{ max: number }>((acc, b) => { if (b.price > acc.max) acc.max = b.price; }, () => ({ max: -1 }));
  return {
    event: (e) => join.event(e),
    finish() {
      const sums = new Map<number, { sum: number; n: number }>();
      for (const { a, acc } of join.open.values()) {
        if (acc.max < 0) continue;
        const s = sums.get(a.category);
        if (s) { s.sum += acc.max; s.n++; } else sums.set(a.category, { sum: acc.max, n: 1 });
      }
      for (const [category, s] of sums) out.emit([category, Math.trunc(s.sum / s.n)]);
    },
  };
};

/** q9: per auction its winning bid within its lifetime (highest price, then earliest), with the auction's columns. */
export const q9: ReferenceFactory = (out: RowSink) => {
  const join = lifetimeJoin<{ best: Bid | undefined }>((acc, b) => {
    const w = acc.best;
    if (w === undefined || b.price > w.price || (b.price === w.price && b.dateTime < w.dateTime)) acc.best = b;
  }, () => ({ best: undefined }));
  return {
    event: (e) => join.event(e),
    finish() {
      for (const { a, acc } of join.open.values()) {
        const b = acc.best;
        if (b === undefined) continue;
        out.emit([a.id, a.itemName, a.description, a.initialBid, a.reserve, a.dateTime, a.expires, a.seller, a.category, a.extra,
          b.auction, b.bidder, b.price, b.dateTime, b.extra]);
      }
    },
  };
};

/** q20: bids ⋈ auctions of category 10 on auction = id; a bid whose auction is known and of another category is dropped. */
export const q20: ReferenceFactory = (out: RowSink) => {
  // Auction id → the auction (category 10) or null (another category: its bids never match).
  const auctions = new Map<number, Auction | null>();
  const early = new Map<number, Bid[]>();
  const emit = (b: Bid, a: Auction) => out.emit([b.auction, b.bidder, b.price, b.channel, b.url, b.dateTime, b.extra,
    a.itemName, a.description, a.initialBid, a.reserve, a.dateTime, a.expires, a.seller, a.category, a.extra]);
  return {
    event(e: NexmarkEvent) {
      if (e.type === 1) {
        const a = e.auction;
        auctions.set(a.id, a.category === 10 ? a : null);
        const waiting = early.get(a.id);
        if (waiting) {
          early.delete(a.id);
          if (a.category === 10) for (const b of waiting) emit(b, a);
        }
      } else if (e.type === 2) {
        const b = e.bid;
        const a = auctions.get(b.auction);
        if (a === undefined) {
          const list = early.get(b.auction);
          if (list) list.push(b); else early.set(b.auction, [b]);
        } else if (a !== null) emit(b, a);
      }
    },
    finish() {},
  };
};
