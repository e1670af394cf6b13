// What one detached ArrayBuffer costs a thread's typed-array code (docs/benchmarks.md, the keyBy exchange section).
//
//   node bench/typed-array-detach.mjs none|transfer|sab
//
// Times a loop of typed-array loads and stores (CPU time, median of 7 rounds) after 100 messages on a
// MessagePort: none, ArrayBuffers transferred (each detached in this thread: V8's ArrayBufferDetaching
// protector is invalidated, and every typed-array access checks for a detached buffer from then on), or
// SharedArrayBuffers posted without a transfer (what the exchange between worker threads does). Run each
// mode several times, interleaved: the machine is shared.

import { MessageChannel, receiveMessageOnPort } from 'node:worker_threads';

const a = new Float64Array(1024).fill(1);
const b = new Int32Array(1024);
const c = new Uint16Array(4096);
function work(n) {
  let s = 0;
  for (let i = 0; i < n; i++) {
    const slot = i & 1023;
    if (a[slot] === 1) s += b[slot];
    b[slot] = i;
    c[(i * 7) & 4095] = i;
  }
  return s;
}
function round() {
  const t = process.cpuUsage();
  let s = 0;
  for (let r = 0; r < 30; r++) s += work(1e6);
  const u = process.cpuUsage(t);
  if (s === 0.5) process.stdout.write('');
  return ((u.user + u.system) * 1e3) / 30e6;
}

const mode = process.argv[2] ?? 'none';
if (!['none', 'transfer', 'sab'].includes(mode)) throw new Error(`mode must be none, transfer or sab, got ${mode}`);
const { port1, port2 } = new MessageChannel();
for (let i = 0; i < 3; i++) round();
for (let i = 0; i < 100; i++) {
  if (mode === 'transfer') {
    const x = new ArrayBuffer(1024);
    port1.postMessage(x, [x]);
  } else if (mode === 'sab') {
    port1.postMessage(new SharedArrayBuffer(1024));
  }
  while (receiveMessageOnPort(port2)) { /* drained */ }
}
const rounds = Array.from({ length: 7 }, round).sort((x, y) => x - y);
process.stdout.write(`${mode}: ${rounds[3].toFixed(3)} ns per iteration (median of 7 rounds)\n`);
port1.close();
