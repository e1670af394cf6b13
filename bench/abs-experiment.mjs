// The seed paper's experiment for bench/run.mjs (`--only abs`): ABS against a synchronous global snapshot and against no checkpoints.
//
// Carbone et al. 2015 ("Lightweight Asynchronous Snapshots for Distributed Dataflows", §6) run a keyed job
// with full shuffles under no fault tolerance, ABS and a synchronous stop-the-world snapshot, at several
// snapshot intervals, and the same against parallelism. Here: bench/jobs/abs-experiment.ts (generator →
// keyBy → count per key → keyBy → sum per key → discard, `--abs-keys` keys of state per stage) with
//   none   no checkpoints;
//   abs    Weir's checkpoints (aligned barriers, copy-on-write snapshot, asynchronous write);
//   sync   checkpoint mode 'synchronous-global' (benchmark-only, WEIR_BENCHMARK_MODES=1): every source
//          stops after its barrier until the checkpoint completed — sources paused, channels drained up
//          to the barrier, every task snapshotted, state written, _metadata and lineage durable — then resumes;
// at checkpoint intervals 0.5, 1, 2 and 5 s at parallelism 1, and none/abs/sync at 1 s at parallelism 1 and 2.
// The rate is records per second of job time (Weir's summary line); records per CPU-second of the whole
// process is printed beside it (ABS costs CPU; the synchronous snapshot costs idle time, which only the
// wall-clock rate shows). Both charts are written to docs/images/abs-*.svg from the medians of the run.
// The job must run several times the longest interval: `--abs-records` (default 20 M) sets its length.

import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { lineChart } from './svg-chart.mjs';

const CHECKPOINTS = /^weir: job "[^"]*" finished in [\d.]+ s \(restarts \d+, checkpoints (\d+)\)/m;
const MEDIANS = /^ {2}checkpoints \(median\): ([\d.]+) ms end to end; per task: sync ([\d.]+) ms, async ([\d.]+) ms, alignment ([\d.]+) ms(?:; task threads' time per checkpoint ([\d.]+) ms)?$/m;
const PASSED = /^abs-experiment: subtask passed (\d+) checksum (-?\d+)$/gm;

const INTERVALS_MS = [500, 1000, 2000, 5000];
const MODES = { abs: 'exactly-once', sync: 'synchronous-global' };

/** @param {{ opts: { absRecords: number, absKeys: number }, root: string, runWeir: Function }} deps */
export function absBenchmark({ opts, root, runWeir }) {
  const n = opts.absRecords;
  const keys = opts.absKeys;
  const config = (parallelism, mode, intervalMs) => {
    const name = mode === 'none' ? `p${parallelism}-none` : `p${parallelism}-${mode}-${intervalMs >= 1000 ? `${intervalMs / 1000}s` : `${intervalMs}ms`}`;
    return {
      name, parallelism, mode, intervalMs,
      run: async () => {
        const args = ['bench/jobs/abs-experiment.ts', '--count', String(n), '--keys', String(keys), '--parallelism', String(parallelism)];
        const checkpointDir = mode === 'none' ? undefined : mkdtempSync(join(tmpdir(), 'weir-bench-abs-'));
        if (checkpointDir !== undefined) args.push('--checkpoint-dir', checkpointDir, '--checkpoint-interval', String(intervalMs), '--checkpoint-mode', MODES[mode]);
        try {
          const r = await runWeir(args, name, n, mode === 'sync' ? { WEIR_BENCHMARK_MODES: '1' } : undefined);
          const c = CHECKPOINTS.exec(r.stderr);
          const m = MEDIANS.exec(r.stderr);
          r.checkpoints = c ? Number(c[1]) : Number.NaN;
          r.checkpointMs = m ? Number(m[1]) : undefined;
          // What checkpointing took from the records, from this run's own figures (the machine's speed cancels out):
          // ABS: the task threads' time on checkpoints (sync part + serialization slices) over the threads' job time;
          // synchronous: the sources stand still for the whole checkpoint, end to end, so its share of the job time.
          const work = m?.[5] !== undefined ? Number(m[5]) : undefined;
          r.costShare = !m || !Number.isFinite(r.checkpoints) ? undefined
            : mode === 'sync' ? (r.checkpoints * Number(m[1])) / (r.jobSeconds * 1000)
              : work === undefined ? undefined : (r.checkpoints * work) / (r.jobSeconds * 1000 * parallelism);
          let passed = 0;
          let checksum = 0;
          for (const p of r.stderr.matchAll(PASSED)) { passed += Number(p[1]); checksum = (checksum + Number(p[2])) | 0; }
          r.passed = passed;
          r.checksum = checksum;
          return r;
        } finally {
          if (checkpointDir !== undefined) rmSync(checkpointDir, { recursive: true, force: true });
        }
      },
    };
  };
  const configs = [
    config(1, 'none'),
    ...INTERVALS_MS.flatMap((ms) => [config(1, 'abs', ms), config(1, 'sync', ms)]),
    config(2, 'none'), config(2, 'abs', 1000), config(2, 'sync', 1000),
  ];
  const ratios = [
    ...INTERVALS_MS.flatMap((ms) => {
      const s = ms >= 1000 ? `${ms / 1000}s` : `${ms}ms`;
      return [[`p1-abs-${s}`, 'p1-none'], [`p1-sync-${s}`, 'p1-none']];
    }),
    ['p2-none', 'p1-none'], ['p2-abs-1s', 'p2-none'], ['p2-sync-1s', 'p2-none'],
  ];
  return {
    name: 'abs',
    title: `The ABS paper's experiment: generator → keyBy → count → keyBy → sum → discard, ${n} records, ${keys} keys per stage; `
      + 'no checkpoints / ABS / synchronous global snapshot, intervals 0.5–5 s at p=1, and p=1 vs p=2 at 1 s',
    unit: 'records/s',
    configs,
    ratios,
    extraStats: (list) => ({
      cpuRate: median(list.map((r) => r.units / r.cpuSeconds)),
      checkpoints: median(list.map((r) => r.checkpoints)),
      checkpointMs: list.some((r) => r.checkpointMs !== undefined) ? median(list.filter((r) => r.checkpointMs !== undefined).map((r) => r.checkpointMs)) : undefined,
      costShare: list.some((r) => r.costShare !== undefined) ? median(list.filter((r) => r.costShare !== undefined).map((r) => r.costShare)) : undefined,
    }),
    printExtra: (stats) => report(stats, configs, root, n, keys),
    check: (runs) => {
      let expected;
      for (const c of configs) {
        for (const r of runs.get(c.name) ?? []) {
          assert.equal(r.passed, n, `${c.name}: the last stage saw ${r.passed} records, expected ${n}`);
          expected ??= { name: c.name, checksum: r.checksum };
          assert.equal(r.checksum, expected.checksum, `${c.name}: checksum ${r.checksum}, ${expected.name} had ${expected.checksum}`);
          if (c.mode === 'none') assert.equal(r.checkpoints, 0, `${c.name}: ${r.checkpoints} checkpoints without checkpointing`);
          else {
            assert.ok(r.checkpoints >= 1, `${c.name}: no checkpoint completed in a ${r.jobSeconds} s job at a ${c.intervalMs} ms interval: use more --abs-records`);
          }
        }
      }
    },
  };
}

function report(stats, configs, root, n, keys) {
  const get = (name) => stats.get(name);
  const fmt = (x) => (x === undefined || !Number.isFinite(x) ? '–' : x >= 1e6 ? `${(x / 1e6).toFixed(2)}M` : `${(x / 1e3).toFixed(0)}k`);
  const none = get('p1-none');
  const pct = (x) => (x === undefined || !Number.isFinite(x) ? '–' : `${(x * 100).toFixed(2)} %`);
  const rows = [['interval', 'ABS rec/s', 'ABS / none', 'ABS rec/cpu-s ratio', 'ckpts', 'ckpt ms', 'ABS thread time', 'sync rec/s', 'sync / none', 'ckpts', 'ckpt ms', 'sync pause']];
  for (const ms of INTERVALS_MS) {
    const s = ms >= 1000 ? `${ms / 1000}s` : `${ms}ms`;
    const a = get(`p1-abs-${s}`);
    const y = get(`p1-sync-${s}`);
    rows.push([
      `${ms / 1000} s`,
      fmt(a?.rate.median), a && none ? (a.rate.median / none.rate.median).toFixed(3) : '–',
      a && none ? (a.cpuRate / none.cpuRate).toFixed(3) : '–', `${a?.checkpoints ?? '–'}`, a?.checkpointMs?.toFixed(0) ?? '–', pct(a?.costShare),
      fmt(y?.rate.median), y && none ? (y.rate.median / none.rate.median).toFixed(3) : '–', `${y?.checkpoints ?? '–'}`, y?.checkpointMs?.toFixed(0) ?? '–', pct(y?.costShare),
    ]);
  }
  process.stdout.write(`\n  against the interval at p=1 (no checkpoints: ${fmt(none?.rate.median)} records/s, ${fmt(none?.cpuRate)} per CPU-second):\n`);
  printRows(rows);
  const prow = [['parallelism', 'none rec/s', 'ABS 1 s rec/s', 'ABS / none', 'sync 1 s rec/s', 'sync / none', 'cpu/wall (none)']];
  for (const p of [1, 2]) {
    const z = get(`p${p}-none`);
    const a = get(`p${p}-abs-1s`);
    const y = get(`p${p}-sync-1s`);
    prow.push([`${p}`, fmt(z?.rate.median), fmt(a?.rate.median), a && z ? (a.rate.median / z.rate.median).toFixed(3) : '–',
      fmt(y?.rate.median), y && z ? (y.rate.median / z.rate.median).toFixed(3) : '–', z ? z.cores.median.toFixed(2) : '–']);
  }
  process.stdout.write('\n  against parallelism, 1 s interval:\n');
  printRows(prow);
  const abs1 = get('p1-abs-1s');
  if (abs1 && none) {
    const cost = (1 - abs1.rate.median / none.rate.median) * 100;
    process.stdout.write(`\n  ABS at 1 s, throughput against no checkpoints: ${cost.toFixed(1)} % lower (rounds of one configuration spread more than that: see the ranges)\n`);
  }
  if (abs1?.costShare !== undefined) {
    const share = abs1.costShare * 100;
    process.stdout.write(`  ABS at 1 s, the task threads' time on checkpoints: ${share.toFixed(2)} % of the job (target ≤ 3 %): ${share <= 3 ? 'met' : 'NOT met'}`
      + ' (serialization slices, sync part and the key groups frozen for a snapshot at their first write after it; per-key value copies and the extra GC are not in this figure)\n');
  }

  // The charts, from this run's medians (ranges as bars).
  const point = (x, s) => [x, s.rate.median, s.rate.min, s.rate.max];
  const series = (mode) => INTERVALS_MS.map((ms) => [ms, get(`p1-${mode}-${ms >= 1000 ? `${ms / 1000}s` : `${ms}ms`}`)]).filter(([, s]) => s).map(([ms, s]) => point(ms / 1000, s));
  const images = join(root, 'docs', 'images');
  mkdirSync(images, { recursive: true });
  const note = `${n / 1e6} M records, ${keys} keys/stage\nnode ${process.version}\n${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  if (none) {
    const interval = lineChart({
      title: 'Throughput against the checkpoint interval (p=1)',
      xLabel: 'checkpoint interval (s)', yLabel: 'records/s (median of rounds)',
      series: [
        { name: 'no checkpoints', points: INTERVALS_MS.map((ms) => [ms / 1000, none.rate.median]), dash: true },
        { name: 'ABS', points: series('abs') },
        { name: 'synchronous snapshot', points: series('sync') },
      ].filter((s) => s.points.length > 0),
      xTicks: INTERVALS_MS.map((ms) => ms / 1000),
      note,
    });
    writeFileSync(join(images, 'abs-interval.svg'), interval);
  }
  const byP = (mode) => [1, 2].map((p) => [p, get(mode === 'none' ? `p${p}-none` : `p${p}-${mode}-1s`)]).filter(([, s]) => s).map(([p, s]) => point(p, s));
  const par = [
    { name: 'no checkpoints', points: byP('none'), dash: true },
    { name: 'ABS (1 s)', points: byP('abs') },
    { name: 'synchronous (1 s)', points: byP('sync') },
  ].filter((s) => s.points.length > 0);
  if (par.length > 0) {
    writeFileSync(join(images, 'abs-parallelism.svg'), lineChart({
      title: 'Throughput against parallelism (1 s interval)', xLabel: 'parallelism', yLabel: 'records/s (median of rounds)',
      series: par, xTicks: [1, 2], note,
    }));
  }
  process.stdout.write('  charts: docs/images/abs-interval.svg, docs/images/abs-parallelism.svg\n');
}

function printRows(rows) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  for (const r of rows) process.stdout.write(`    ${r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ')}\n`);
}

function median(xs) {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}
