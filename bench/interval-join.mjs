// The interval-join benchmark for bench/run.mjs: two keyed streams joined within [LOWER, UPPER] against the hand-written loop.
//
// Configurations: the loop (bench/baseline-interval-join.mjs) and bench/jobs/interval-join-bench.ts at p=1 and
// p=2, on `--events` / 5 generated events per side (default 2 M each; 1,000 keys, 10 events per ms per side,
// disorder up to 15 ms, forBoundedOutOfOrderness(16): no event is late). The rate is events per second of job
// time over both sides. Checks after timing: the job found the loop's pairs (count and id checksum).

import assert from 'node:assert/strict';

const RESULT = /^interval-join-bench: subtask pairs (\d+) checksum (\d+)$/gm;

/**
 * @param {{ opts: { events: number }, runWeir: (args: string[], label: string, units: number) => Promise<object>,
 *           runBaseline: (args: string[], label: string, units: number) => Promise<object> }} deps
 */
export function intervalJoinBenchmark({ opts, runWeir, runBaseline }) {
  const n = Math.max(1, Math.floor(opts.events / 5));
  const weirConfig = (name, parallelism) => ({
    name,
    run: () => runWeir(['bench/jobs/interval-join-bench.ts', '--parallelism', String(parallelism), '--count', String(n)], name, 2 * n),
  });
  return {
    name: 'interval-join',
    title: `Interval join of two keyed streams within [-20, 20] ms, ${n} events per side (1,000 keys, disorder ≤ 15 ms)`,
    unit: 'events/s',
    configs: [
      { name: 'baseline', run: () => runBaseline(['bench/baseline-interval-join.mjs', String(n)], 'baseline', 2 * n) },
      weirConfig('weir-p1', 1),
      weirConfig('weir-p2', 2),
    ],
    ratios: [['weir-p1', 'baseline'], ['weir-p2', 'baseline'], ['weir-p2', 'weir-p1']],
    check: (runs) => {
      const base = runs.get('baseline') ?? [];
      for (const r of base) assert.equal(r.result.late, 0, 'baseline: late events');
      const want = base[0]?.result;
      if (!want) return;
      for (const [name, list] of runs) {
        if (name === 'baseline') continue;
        for (const r of list) {
          let p = 0;
          let c = 0;
          for (const m of r.stderr.matchAll(RESULT)) { p += Number(m[1]); c += Number(m[2]); }
          assert.equal(p, want.pairs, `${name}: ${p} pairs, the loop found ${want.pairs}`);
          assert.equal(c, want.checksum, `${name}: id checksum ${c}, the loop's ${want.checksum}`);
        }
      }
    },
  };
}
