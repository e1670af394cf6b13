// Interval-join baseline: the hand-written single-thread loop doing what bench/jobs/interval-join-bench.ts does, in one fresh process.
//
//   node bench/baseline-interval-join.mjs <count per side> [keys] [perMs]
//
// The same events (bench/interval-join-events.mjs), left i then right i; per key an array of buffered
// [t, id] per side; each arrival scans the other side's buffer of its key and emits the pairs within
// [LOWER, UPPER]; the watermark is min over the sides of (max timestamp − DISORDER − 1), checked every
// 1,024 events; every 64 ms of watermark a sweep drops what can no longer match (left t + max(UPPER, 0),
// right t + max(−LOWER, 0) at or below the watermark). Prints one JSON line: events, pairs, id checksum,
// in-process seconds and events/s (both sides counted).

import { DISORDER, LOWER, UPPER, makeEvent } from './interval-join-events.mjs';

const count = Number(process.argv[2]);
const keys = Number(process.argv[3] ?? 1000);
const perMs = Number(process.argv[4] ?? 10);
if (!Number.isInteger(count) || count < 1) {
  process.stderr.write('usage: node bench/baseline-interval-join.mjs <count per side> [keys] [perMs]\n');
  process.exit(1);
}

let pairs = 0;
let checksum = 0;
const sink = (l, r) => { pairs++; checksum += l + r; };
const buffers = new Map(); // key → [lefts: [t, id][], rights: [t, id][]]
const max = [Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY];
let watermark = Number.NEGATIVE_INFINITY;
let swept = Number.NEGATIVE_INFINITY;
let late = 0;

function arrive(e, side) {
  const [t, key, id] = e;
  if (t > max[side]) max[side] = t;
  if (t < watermark) { late++; return; }
  let b = buffers.get(key);
  if (b === undefined) { b = [[], []]; buffers.set(key, b); }
  b[side].push([t, id]);
  const other = b[1 - side];
  const from = side === 0 ? t + LOWER : t - UPPER;
  const to = side === 0 ? t + UPPER : t - LOWER;
  for (let j = 0; j < other.length; j++) {
    const o = other[j];
    if (o[0] >= from && o[0] <= to) { if (side === 0) sink(id, o[1]); else sink(o[1], id); }
  }
}

function sweep(wm) {
  const keepLeft = Math.max(UPPER, 0);
  const keepRight = Math.max(-LOWER, 0);
  for (const [key, b] of buffers) {
    b[0] = b[0].filter((x) => x[0] + keepLeft > wm);
    b[1] = b[1].filter((x) => x[0] + keepRight > wm);
    if (b[0].length === 0 && b[1].length === 0) buffers.delete(key);
  }
}

const started = performance.now();
for (let i = 0; i < count; i++) {
  arrive(makeEvent(i, 0, perMs, keys), 0);
  arrive(makeEvent(i, 1, perMs, keys), 1);
  if ((i & 1023) === 1023) {
    const wm = Math.min(max[0], max[1]) - DISORDER - 1;
    if (wm > watermark) watermark = wm;
    if (watermark - swept >= 64) { sweep(watermark); swept = watermark; }
  }
}
const seconds = (performance.now() - started) / 1000;
process.stdout.write(`${JSON.stringify({ events: 2 * count, late, pairs, checksum, seconds, eventsPerSecond: (2 * count) / seconds })}\n`);
