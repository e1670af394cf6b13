// References of the windowed Nexmark queries q5, q7, q8, q11, q12: maps per window, fired when the 4 s watermark passes their end.

import type { Bid, NexmarkEvent } from '../../src/connectors/nexmark/index.ts';
import { OUT_OF_ORDERNESS_MS, type ReferenceFactory, type RowSink } from './reference.ts';

/**
 * Windows keyed by start time, fired in start order once the watermark (max event time − 4 s)
 * reaches their last millisecond, as Flink's event-time windows fire; the rest at the end.
 */
class WindowClock<W> {
  readonly open = new Map<number, W>();
  readonly #starts: number[] = [];
  #maxTs = Number.NEGATIVE_INFINITY;
  constructor(readonly size: number, readonly fire: (start: number, w: W) => void) {}
  get(start: number, create: () => W): W {
    let w = this.open.get(start);
    if (w === undefined) {
      this.open.set(start, (w = create()));
      const s = this.#starts;
      if (s.length === 0 || s[s.length - 1]! < start) s.push(start);
      else { s.push(start); s.sort((a, b) => a - b); }
    }
    return w;
  }
  advance(ts: number): void {
    if (ts <= this.#maxTs) return;
    this.#maxTs = ts;
    const wm = ts - OUT_OF_ORDERNESS_MS;
    const s = this.#starts;
    while (s.length > 0 && s[0]! + this.size - 1 <= wm) this.#fire(s.shift()!);
  }
  finish(): void {
    while (this.#starts.length > 0) this.#fire(this.#starts.shift()!);
  }
  #fire(start: number): void {
    const w = this.open.get(start)!;
    this.open.delete(start);
    this.fire(start, w);
  }
}

/** q5: HOP(2 s, 10 s) bid count per auction; per window the auctions whose count reaches the window's maximum. */
export const q5: ReferenceFactory = (out: RowSink) => {
  const clock = new WindowClock<Map<number, number>>(10_000, (_start, counts) => {
    let max = 0;
    for (const n of counts.values()) if (n > max) max = n;
    for (const [auction, n] of counts) if (n >= max) out.emit([auction, n]);
  });
  const fresh = () => new Map<number, number>();
  return {
    event(e: NexmarkEvent) {
      if (e.type !== 2) return;
      const b = e.bid;
      const last = Math.floor(b.dateTime / 2000) * 2000;
      for (let start = last; start > b.dateTime - 10_000; start -= 2000) {
        const counts = clock.get(start, fresh);
        counts.set(b.auction, (counts.get(b.auction) ?? 0) + 1);
      }
      clock.advance(b.dateTime);
    },
    finish() { clock.finish(); },
  };
};

/** q7: per 10 s tumbling window the highest price; the bids of the window at that price. */
export const q7: ReferenceFactory = (out: RowSink) => {
  interface Top { max: number; bids: Bid[] }
  const clock = new WindowClock<Top>(10_000, (_start, top) => {
    for (const b of top.bids) out.emit([b.auction, b.price, b.bidder, b.dateTime, b.extra]);
  });
  const fresh = (): Top => ({ max: -1, bids: [] });
  return {
    event(e: NexmarkEvent) {
      if (e.type !== 2) return;
      const b = e.bid;
      const top = clock.get(Math.floor(b.dateTime / 10_000) * 10_000, fresh);
      if (b.price > top.max) { top.max = b.price; top.bids = [b]; } else if (b.price === top.max) top.bids.push(b);
      clock.advance(b.dateTime);
    },
    finish() { clock.finish(); },
  };
};

/** q8: persons who opened an auction in the same 10 s tumbling window (id, name, window start). */
export const q8: ReferenceFactory = (out: RowSink) => {
  interface W { persons: Map<number, string>; sellers: Set<number> }
  const clock = new WindowClock<W>(10_000, (start, w) => {
    for (const [id, name] of w.persons) if (w.sellers.has(id)) out.emit([id, name, start]);
  });
  const fresh = (): W => ({ persons: new Map(), sellers: new Set() });
  return {
    event(e: NexmarkEvent) {
      if (e.type === 0) {
        const p = e.person;
        clock.get(Math.floor(p.dateTime / 10_000) * 10_000, fresh).persons.set(p.id, p.name);
        clock.advance(p.dateTime);
      } else if (e.type === 1) {
        const a = e.auction;
        clock.get(Math.floor(a.dateTime / 10_000) * 10_000, fresh).sellers.add(a.seller);
        clock.advance(a.dateTime);
      } else {
        clock.advance(e.bid.dateTime);
      }
    },
    finish() { clock.finish(); },
  };
};

/** q11: bids per bidder per session (gap 10 s): bidder, count, session start, session end (last bid + gap). */
export const q11: ReferenceFactory = (out: RowSink) => {
  const GAP = 10_000;
  interface S { start: number; last: number; count: number }
  const sessions = new Map<number, S>();
  const emit = (bidder: number, s: S) => out.emit([bidder, s.count, s.start, s.last + GAP]);
  return {
    event(e: NexmarkEvent) {
      if (e.type !== 2) return;
      const b = e.bid;
      const s = sessions.get(b.bidder);
      if (s === undefined) { sessions.set(b.bidder, { start: b.dateTime, last: b.dateTime, count: 1 }); return; }
      if (b.dateTime >= s.last + GAP) {
        // The session closed: no later bid can reach back into it (bids of one generator come in event-time order).
        emit(b.bidder, s);
        s.start = b.dateTime; s.last = b.dateTime; s.count = 1;
        return;
      }
      if (b.dateTime > s.last) s.last = b.dateTime;
      if (b.dateTime < s.start) s.start = b.dateTime;
      s.count++;
    },
    finish() { for (const [bidder, s] of sessions) emit(bidder, s); },
  };
};

/** q12: bids per bidder per 10 s processing-time tumbling window (the clock read every 256 events). */
export const q12: ReferenceFactory = (out: RowSink) => {
  const SIZE = 10_000;
  let counts = new Map<number, number>();
  let start = Math.floor(Date.now() / SIZE) * SIZE;
  let n = 0;
  const fire = () => {
    for (const [bidder, c] of counts) out.emit([bidder, c, start, start + SIZE]);
    counts = new Map();
  };
  return {
    event(e: NexmarkEvent) {
      if ((++n & 255) === 0) {
        const now = Math.floor(Date.now() / SIZE) * SIZE;
        if (now !== start) { fire(); start = now; }
      }
      if (e.type === 2) counts.set(e.bid.bidder, (counts.get(e.bid.bidder) ?? 0) + 1);
    },
    finish() { fire(); },
  };
};
