// References of the stateless Nexmark queries q0, q1, q2, q14, q21, q22: one branch per event, a row per kept bid.

import type { NexmarkEvent } from '../../src/connectors/nexmark/index.ts';
import { euros, type ReferenceFactory } from './reference.ts';

export const q0: ReferenceFactory = (out) => ({
  event(e: NexmarkEvent) {
    if (e.type === 2) { const b = e.bid; out.emit([b.auction, b.bidder, b.price, b.dateTime, b.extra]); }
  },
  finish() {},
});

export const q1: ReferenceFactory = (out) => ({
  event(e: NexmarkEvent) {
    if (e.type === 2) { const b = e.bid; out.emit([b.auction, b.bidder, euros(b.price), b.dateTime, b.extra]); }
  },
  finish() {},
});

export const q2: ReferenceFactory = (out) => ({
  event(e: NexmarkEvent) {
    if (e.type === 2 && e.bid.auction % 123 === 0) out.emit([e.bid.auction, e.bid.price]);
  },
  finish() {},
});

function countChar(s: string, c: number): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) === c) n++;
  return n;
}

export const q14: ReferenceFactory = (out) => ({
  event(e: NexmarkEvent) {
    if (e.type !== 2) return;
    const b = e.bid;
    // 1e6 < 0.908 · price < 5e7, exactly: 1e9 < 908 · price < 5e10.
    const t = b.price * 908;
    if (!(t > 1e9 && t < 5e10)) return;
    const hour = Math.floor(b.dateTime / 3_600_000) % 24;
    const type = hour >= 8 && hour <= 18 ? 'dayTime' : hour <= 6 || hour >= 20 ? 'nightTime' : 'otherTime';
    out.emit([b.auction, b.bidder, euros(b.price), type, b.dateTime, b.extra, countChar(b.extra, 99)]);
  },
  finish() {},
});

const CHANNEL_ID = /(&|^)channel_id=([^&]*)/;
const KNOWN: Record<string, string> = { apple: '0', google: '1', facebook: '2', baidu: '3' };

export const q21: ReferenceFactory = (out) => ({
  event(e: NexmarkEvent) {
    if (e.type !== 2) return;
    const b = e.bid;
    let id: string | undefined = KNOWN[b.channel.toLowerCase()];
    if (id === undefined) id = CHANNEL_ID.exec(b.url)?.[2];
    if (id !== undefined) out.emit([b.auction, b.bidder, b.price, b.channel, id]);
  },
  finish() {},
});

/** SPLIT_INDEX(s, '/', i): the i-th (0-based) piece, or null. */
function splitIndex(parts: string[], i: number): string | null {
  return i < parts.length ? parts[i]! : null;
}

export const q22: ReferenceFactory = (out) => ({
  event(e: NexmarkEvent) {
    if (e.type !== 2) return;
    const b = e.bid;
    const parts = b.url.split('/');
    out.emit([b.auction, b.bidder, b.price, b.channel, splitIndex(parts, 3), splitIndex(parts, 4), splitIndex(parts, 5)]);
  },
  finish() {},
});
