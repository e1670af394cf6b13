// The cluster benchmark for bench/run.mjs (`--only cluster`): the exchange over TCP between two TaskManagers against
// two slots of one TaskManager, and word count on 2 TaskManagers × 1 slot against local mode at p=2.
//
// Every cluster configuration starts its own standalone cluster (one `weir jobmanager`, its `weir taskmanager`s, on
// loopback ports the OS picks) before the run and stops it after; the timed span is the job time of the summary line
// the client prints (bundle shipping and cluster start excluded). CPU time is summed over every process of the
// configuration (client, JobManager, TaskManagers; from /proc at the end of the run), so `cpu/wall` shows how
// many cores the whole cluster kept busy.
//
// The exchange job is bench/jobs/engine-cost.ts with --rebalance at p=2: each generator subtask sends half of its
// records to the other slot, which is another worker thread of the same TaskManager (1tm-2slots) or another
// TaskManager process over TCP (2tm-1slot); the other half stays in its thread in both.

import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import assert from 'node:assert/strict';

const TOKEN = 'bench-cluster-token-0123456789abcdef';
const ENV = { WEIR_CLUSTER_TOKEN: TOKEN };
const TICKS = 100; // USER_HZ on Linux

/** utime + stime of a process and its threads (seconds), or 0 once it is gone. */
function cpuOf(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / TICKS;
  } catch {
    return 0;
  }
}

function start(root, weir, args) {
  const child = spawn(process.execPath, [weir, ...args], { cwd: root, env: { ...process.env, ...ENV }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.out = '';
  child.err = '';
  child.stdout.setEncoding('utf8').on('data', (d) => { child.out += d; });
  child.stderr.setEncoding('utf8').on('data', (d) => { child.err += d; });
  return child;
}

async function until(cond, what, ms = 60_000) {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`cluster bench: ${what} did not happen within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function withCluster(root, weir, taskmanagers, slots, body) {
  const jm = start(root, weir, ['jobmanager', '--bind', '127.0.0.1:0']);
  const tms = [];
  try {
    await until(() => /listening on \S+/.test(jm.out), 'JobManager start');
    const address = /listening on (\S+)/.exec(jm.out)[1];
    for (let i = 0; i < taskmanagers; i++) tms.push(start(root, weir, ['taskmanager', '--jobmanager', address, '--slots', String(slots)]));
    await until(() => (jm.err.match(/registered from/g) ?? []).length === taskmanagers, 'TaskManager registration');
    const r = await body(address);
    r.cpuSeconds = (Number.isFinite(r.cpuSeconds) ? r.cpuSeconds : 0) + cpuOf(jm.pid) + tms.reduce((a, t) => a + cpuOf(t.pid), 0);
    return r;
  } finally {
    for (const c of [...tms, jm]) c.kill('SIGKILL');
    await Promise.all([...tms, jm].map((c) => (c.exitCode !== null || c.signalCode !== null ? undefined : new Promise((r) => c.once('close', r)))));
  }
}

/**
 * @param {{ opts: { words: number, files: number, clusterRecords: number }, root: string, weir: string,
 *           runWeir: (args: string[], label: string, units: number, env?: object) => Promise<object>,
 *           corpus: (words: number, files: number) => { dir: string, words: number } }} deps
 */
export function clusterBenchmark({ opts, root, weir, runWeir, corpus }) {
  let cachedCorpus;
  const corpusNow = () => (cachedCorpus ??= corpus(opts.words, opts.files));
  const n = opts.clusterRecords;
  const exchange = ['bench/jobs/engine-cost.ts', '--count', String(n), '--rebalance', '--parallelism', '2'];
  const wordcount = () => ['bench/jobs/wordcount-bench.ts', '--parallelism', '2', '--input', corpusNow().dir];
  const onCluster = (name, tms, slots, args, units) => ({
    name,
    run: () => withCluster(root, weir, tms, slots, (address) => runWeir([...args(), '--jobmanager', address], name, units(), ENV)),
  });
  const configs = [
    onCluster('xchg-1tm-2slots', 1, 2, () => exchange, () => n),
    onCluster('xchg-2tm-1slot', 2, 1, () => exchange, () => n),
    { name: 'wc-local-p2', run: () => runWeir(wordcount(), 'wc-local-p2', corpusNow().words) },
    onCluster('wc-2tm-1slot', 2, 1, wordcount, () => corpusNow().words),
  ];
  return {
    name: 'cluster',
    title: `Cluster mode: exchange of ${n} numbers at p=2 (rebalance) between 2 TaskManagers over TCP vs 2 slots of one TaskManager; `
      + `word count (${opts.words} words) on 2 TaskManagers × 1 slot vs local p=2`,
    unit: 'records/s',
    configs,
    ratios: [['xchg-2tm-1slot', 'xchg-1tm-2slots'], ['wc-2tm-1slot', 'wc-local-p2']],
    check: (runs) => {
      for (const name of ['xchg-1tm-2slots', 'xchg-2tm-1slot']) {
        for (const r of runs.get(name) ?? []) {
          const keep = r.stages.find((s) => s.name.startsWith('Keep all'));
          assert.ok(keep, `${name}: no "Keep all" stage in the summary`);
          assert.equal(keep.recordsIn, n, `${name}: every record crossed the exchange once`);
        }
      }
      const words = corpusNow().words;
      for (const name of ['wc-local-p2', 'wc-2tm-1slot']) {
        for (const r of runs.get(name) ?? []) {
          const counted = r.stages.find((s) => s.name.startsWith('Keyed Aggregation'));
          assert.ok(counted, `${name}: no keyed aggregation stage in the summary`);
          assert.equal(counted.recordsIn, words, `${name}: every word counted once`);
        }
      }
    },
  };
}

