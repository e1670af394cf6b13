// Micro-benchmark of the keyed-state hot path: setCurrentKey + ValueState value/update vs a plain Map get/set, same process.
//   node --import tsx bench/state.ts

import assert from 'node:assert/strict';
import { HeapKeyedStateBackend, KeyGroupRange, ValueStateDescriptor, keyGroupFor } from '../src/state/index.ts';

const KEYS = 100_000;
const OPS = 5_000_000;
const ROUNDS = 5;
const keys = Array.from({ length: KEYS }, (_, i) => `key-${(i * 2654435761) % 1_000_003}`);
const groups = Int32Array.from(keys, (k) => keyGroupFor(k, 128));

function baseline(): { seconds: number; total: number } {
  const map = new Map<string, number>();
  const t0 = performance.now();
  for (let i = 0; i < OPS; i++) {
    const k = keys[i % KEYS]!;
    map.set(k, (map.get(k) ?? 0) + 1);
  }
  let total = 0;
  for (const v of map.values()) total += v;
  return { seconds: (performance.now() - t0) / 1000, total };
}

function weir(withHash: boolean): { seconds: number; total: number } {
  const backend = new HeapKeyedStateBackend({ maxParallelism: 128, keyGroupRange: KeyGroupRange.forOperator(128, 1, 0) });
  const state = backend.getState(new ValueStateDescriptor<number>('count'));
  const t0 = performance.now();
  for (let i = 0; i < OPS; i++) {
    const k = keys[i % KEYS]!;
    // With the hash: what a keyed exchange adds per record (computed once at the writer).
    backend.setCurrentKey(k, withHash ? keyGroupFor(k, 128) : groups[i % KEYS]!);
    state.update((state.value() ?? 0) + 1);
  }
  const seconds = (performance.now() - t0) / 1000;
  let total = 0;
  backend.forEachKey('count', (key, kg) => { backend.setCurrentKey(key, kg); total += state.value()!; });
  return { seconds, total };
}

const results: Record<string, number[]> = { baseline: [], state: [], 'state+hash': [] };
for (let r = 0; r < ROUNDS; r++) {
  const b = baseline();
  const s = weir(false);
  const h = weir(true);
  assert.equal(b.total, OPS);
  assert.equal(s.total, OPS);
  assert.equal(h.total, OPS);
  results['baseline']!.push(OPS / b.seconds);
  results['state']!.push(OPS / s.seconds);
  results['state+hash']!.push(OPS / h.seconds);
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const m = Object.fromEntries(Object.entries(results).map(([k, v]) => [k, median(v)]));
process.stdout.write(`keyed state, ${OPS} updates over ${KEYS} keys, median of ${ROUNDS} rounds in one process\n`);
for (const [k, v] of Object.entries(m)) process.stdout.write(`  ${k.padEnd(12)} ${(v / 1e6).toFixed(2)}M ops/s\n`);
process.stdout.write(`  state / Map          ${(m['state']! / m['baseline']!).toFixed(3)}\n`);
process.stdout.write(`  state+hash / Map     ${(m['state+hash']! / m['baseline']!).toFixed(3)}\n`);
