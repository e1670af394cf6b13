// References of the unbounded aggregations and rankings q15–q19: one accumulator per group in a Map, final values at the end.

import type { Bid, NexmarkEvent } from '../../src/connectors/nexmark/index.ts';
import { day, hourMinute, type ReferenceFactory, type RowSink } from './reference.ts';

/** Counts and distinct bidders/auctions in total and per price band (rank1 < 10⁴ ≤ rank2 < 10⁶ ≤ rank3). */
class BandStats {
  readonly bids = [0, 0, 0, 0];
  readonly bidders = [new Set<number>(), new Set<number>(), new Set<number>(), new Set<number>()];
  readonly auctions = [new Set<number>(), new Set<number>(), new Set<number>(), new Set<number>()];
  add(b: Bid): void {
    const band = b.price < 10_000 ? 1 : b.price < 1_000_000 ? 2 : 3;
    this.bids[0]!++;
    this.bids[band]!++;
    this.bidders[0]!.add(b.bidder);
    this.bidders[band]!.add(b.bidder);
    this.auctions[0]!.add(b.auction);
    this.auctions[band]!.add(b.auction);
  }
  columns(): number[] {
    return [...this.bids, ...this.bidders.map((s) => s.size), ...this.auctions.map((s) => s.size)];
  }
}

/** q15: per day, bid counts and distinct bidders and auctions, in total and per price band. */
export const q15: ReferenceFactory = (out: RowSink) => {
  const byDay = new Map<string, BandStats>();
  return {
    event(e: NexmarkEvent) {
      if (e.type !== 2) return;
      const d = day(e.bid.dateTime);
      let s = byDay.get(d);
      if (s === undefined) byDay.set(d, (s = new BandStats()));
      s.add(e.bid);
    },
    finish() { for (const [d, s] of byDay) out.emit([d, ...s.columns()]); },
  };
};

/** q16: q15 per (channel, day), with the latest HH:mm. */
export const q16: ReferenceFactory = (out: RowSink) => {
  const byChannel = new Map<string, Map<string, { stats: BandStats; minute: string }>>();
  return {
    event(e: NexmarkEvent) {
      if (e.type !== 2) return;
      const b = e.bid;
      let days = byChannel.get(b.channel);
      if (days === undefined) byChannel.set(b.channel, (days = new Map()));
      const d = day(b.dateTime);
      let s = days.get(d);
      if (s === undefined) days.set(d, (s = { stats: new BandStats(), minute: '' }));
      s.stats.add(b);
      const m = hourMinute(b.dateTime);
      if (m > s.minute) s.minute = m;
    },
    finish() {
      for (const [channel, days] of byChannel) for (const [d, s] of days) out.emit([channel, d, s.minute, ...s.stats.columns()]);
    },
  };
};

/** q17: per (auction, day) counts per price band, min, max, average and sum of the price. */
export const q17: ReferenceFactory = (out: RowSink) => {
  interface A { auction: number; day: string; n: number; r1: number; r2: number; r3: number; min: number; max: number; sum: number }
  const groups = new Map<number, A>();
  return {
    event(e: NexmarkEvent) {
      if (e.type !== 2) return;
      const b = e.bid;
      const dayNumber = Math.floor(b.dateTime / 86_400_000);
      const key = b.auction * 1024 + (dayNumber & 1023);
      let g = groups.get(key);
      if (g === undefined) groups.set(key, (g = { auction: b.auction, day: day(b.dateTime), n: 0, r1: 0, r2: 0, r3: 0, min: b.price, max: b.price, sum: 0 }));
      g.n++;
      if (b.price < 10_000) g.r1++; else if (b.price < 1_000_000) g.r2++; else g.r3++;
      if (b.price < g.min) g.min = b.price;
      if (b.price > g.max) g.max = b.price;
      g.sum += b.price;
    },
    finish() {
      for (const g of groups.values()) out.emit([g.auction, g.day, g.n, g.r1, g.r2, g.r3, g.min, g.max, Math.trunc(g.sum / g.n), g.sum]);
    },
  };
};

/** q18: the last bid (by event time) per (bidder, auction). */
export const q18: ReferenceFactory = (out: RowSink) => {
  const byBidder = new Map<number, Map<number, Bid>>();
  return {
    event(e: NexmarkEvent) {
      if (e.type !== 2) return;
      const b = e.bid;
      let m = byBidder.get(b.bidder);
      if (m === undefined) byBidder.set(b.bidder, (m = new Map()));
      const prev = m.get(b.auction);
      if (prev === undefined || b.dateTime >= prev.dateTime) m.set(b.auction, b);
    },
    finish() {
      for (const m of byBidder.values()) for (const b of m.values()) out.emit([b.auction, b.bidder, b.price, b.channel, b.url, b.dateTime, b.extra]);
    },
  };
};

/** q19: the 10 highest-priced bids per auction, with their rank. */
export const q19: ReferenceFactory = (out: RowSink) => {
  const tops = new Map<number, Bid[]>();
  return {
    event(e: NexmarkEvent) {
      if (e.type !== 2) return;
      const b = e.bid;
      let top = tops.get(b.auction);
      if (top === undefined) tops.set(b.auction, (top = []));
      if (top.length === 10 && b.price <= top[9]!.price) return;
      let i = top.length;
      while (i > 0 && top[i - 1]!.price < b.price) i--;
      top.splice(i, 0, b);
      if (top.length > 10) top.pop();
    },
    finish() {
      for (const top of tops.values()) {
        top.forEach((b, i) => out.emit([b.auction, b.bidder, b.price, b.channel, b.url, b.dateTime, b.extra, i + 1]));
      }
    },
  };
};
