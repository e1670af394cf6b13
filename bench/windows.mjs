// The window benchmark for bench/run.mjs: tumbling event-time count and sum per key against the hand-written loop.
//
// Configurations: the loop (bench/baseline-windows.mjs) and bench/jobs/windows-bench.ts at p=1 and p=2 (and p=2 with
// --window-combine off), each
// run on `--events` generated events (default 10 M; 1,000 keys, 10 events per ms, 10 s windows: 100 windows of
// 1,000 keys, 100 events per (window, key)) with disorder up to 15 ms and forBoundedOutOfOrderness(16), so no
// event is late. The rate is events per second of job time (Weir: its summary's job time; the loop: its own
// in-process time). Checks after timing: every run saw every event once (the loop's totals, and the totals the
// job's counting stage prints per subtask: windows fired, count and sum, which must equal the generator's).

import assert from 'node:assert/strict';
import { expectedTotals } from './windows-events.mjs';

const RESULT = /^windows-bench: subtask windows (\d+) count (\d+) sum (\d+)$/gm;

/**
 * @param {{ opts: { events: number }, runWeir: (args: string[], label: string, units: number) => Promise<object>,
 *           runBaseline: (args: string[], label: string, units: number) => Promise<object> }} deps
 */
export function windowsBenchmark({ opts, runWeir, runBaseline }) {
  const n = opts.events;
  const keys = 1000;
  const windows = (n / 10 / 10_000) * keys; // an upper bound check below uses the loop's count
  const weirConfig = (name, parallelism, extra = []) => ({
    name,
    run: () => runWeir(['bench/jobs/windows-bench.ts', '--parallelism', String(parallelism), '--count', String(n), ...extra], name, n),
  });
  return {
    name: 'windows',
    title: `Tumbling event-time windows, count and sum per key, ${n} events (1,000 keys, 10 s windows, disorder ≤ 15 ms)`,
    unit: 'events/s',
    configs: [
      { name: 'baseline', run: () => runBaseline(['bench/baseline-windows.mjs', String(n)], 'baseline', n) },
      weirConfig('weir-p1', 1),
      weirConfig('weir-p2', 2),
      // Pre-aggregation before the keyBy off (graph/window-combine.ts): what p=2 costs when every event crosses it.
      weirConfig('weir-p2-nocombine', 2, ['--window-combine', 'off']),
    ],
    ratios: [['weir-p1', 'baseline'], ['weir-p2', 'baseline'], ['weir-p2', 'weir-p1'], ['weir-p2', 'weir-p2-nocombine']],
    check: (runs) => {
      const want = expectedTotals(n);
      const base = runs.get('baseline') ?? [];
      for (const r of base) {
        assert.equal(r.result.late, 0, 'baseline: late events');
        assert.equal(r.result.count, want.count, 'baseline: events counted ≠ events generated');
        assert.equal(r.result.sum, want.sum, 'baseline: sum of values ≠ generated');
      }
      const fired = base[0]?.result.windows ?? Math.ceil(windows);
      for (const [name, list] of runs) {
        if (name === 'baseline') continue;
        for (const r of list) {
          let w = 0;
          let c = 0;
          let s = 0;
          for (const m of r.stderr.matchAll(RESULT)) { w += Number(m[1]); c += Number(m[2]); s += Number(m[3]); }
          assert.equal(c, want.count, `${name}: the windows counted ${c} events, expected ${want.count}`);
          assert.equal(s, want.sum, `${name}: the windows summed to ${s}, expected ${want.sum}`);
          assert.equal(w, fired, `${name}: ${w} (window, key) results, the loop fired ${fired}`);
        }
      }
    },
  };
}
