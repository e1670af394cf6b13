// Window baseline: the hand-written single-thread loop doing what bench/jobs/windows-bench.ts does, in one fresh process.
//
//   node bench/baseline-windows.mjs <count> [keys] [perMs] [windowMs]
//
// The same events (bench/windows-events.mjs), the same watermark (max timestamp − DISORDER − 1, checked
// every 1,024 events as a stand-in for the periodic emission), one mutable [count, sum] accumulator per
// (window, key) in a window-major Map of Maps (the fastest layout for tumbling windows: a firing drops a
// whole inner map), windows fired in end order once the watermark passes end − 1 and the rest at the end
// of input; every result [start, key, count, sum] goes to a counting sink. Prints one JSON line: events,
// windows fired, the totals (checked by run.mjs), in-process seconds and events/s.

import { DISORDER, makeEvent } from './windows-events.mjs';

const count = Number(process.argv[2]);
const keys = Number(process.argv[3] ?? 1000);
const perMs = Number(process.argv[4] ?? 10);
const windowMs = Number(process.argv[5] ?? 10_000);
if (!Number.isInteger(count) || count < 1) {
  process.stderr.write('usage: node bench/baseline-windows.mjs <count> [keys] [perMs] [windowMs]\n');
  process.exit(1);
}

let windows = 0;
let counted = 0;
let summed = 0;
const sink = (r) => { windows++; counted += r[2]; summed += r[3]; };

const open = new Map(); // window start → Map<key, [count, sum]>, in insertion order (≈ start order)
let maxTs = Number.NEGATIVE_INFINITY;
let watermark = Number.NEGATIVE_INFINITY;
let late = 0;

function fireUntil(wm) {
  // Windows open in start order up to the disorder; scan them all (a handful are open at a time).
  for (const [start, perKey] of open) {
    if (start + windowMs - 1 > wm) continue;
    for (const [key, acc] of perKey) sink([start, key, acc[0], acc[1]]);
    open.delete(start);
  }
}

const started = performance.now();
for (let i = 0; i < count; i++) {
  const e = makeEvent(i, perMs, keys);
  const ts = e[0];
  if (ts > maxTs) maxTs = ts;
  const r = ts % windowMs;
  const start = ts - r;
  if (start + windowMs - 1 <= watermark) { late++; continue; }
  let perKey = open.get(start);
  if (perKey === undefined) { perKey = new Map(); open.set(start, perKey); }
  const acc = perKey.get(e[1]);
  if (acc === undefined) perKey.set(e[1], [1, e[2]]);
  else { acc[0] += 1; acc[1] += e[2]; }
  if ((i & 1023) === 1023) {
    const wm = maxTs - DISORDER - 1;
    if (wm > watermark) { watermark = wm; fireUntil(wm); }
  }
}
fireUntil(Number.POSITIVE_INFINITY);
const seconds = (performance.now() - started) / 1000;
process.stdout.write(`${JSON.stringify({ events: count, late, windows, count: counted, sum: summed, seconds, eventsPerSecond: count / seconds })}\n`);
