// The cost of the metrics and the REST server (issue 11; target ≤ 2 %), for bench/run.mjs (`--only web`).
//
// Word count at parallelism 2 (discard sink), three ways, interleaved round by round in fresh processes:
//   wc-no-metrics   WEIR_TASK_TIME=0: the per-step busy/back-pressured/idle accounting off, no server
//   wc-metrics      the default: accounting on (tasks always report their metrics), no server
//   wc-web-polled   --web 0, and a client here polling GET /jobs/:id and GET /metrics every second
// Ratios: wc-web-polled / wc-no-metrics is the whole cost of "metrics and the REST server on"; the
// other two split it. Rates use the job time of Weir's summary; CPU seconds per word (all threads
// of the Weir process, bench/cpu-report.mjs) are printed too, as they are steadier than wall time on
// a loaded machine. The polling client runs in this process, so its own CPU is not counted; the
// server's work to answer it is (it runs in Weir's main thread).

import { spawn, spawnSync } from 'node:child_process';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const SUMMARY = /^weir: job "([^"]*)" finished in ([\d.]+) s/m;
const STAGE = /^ {2}(.+?)\s+in\s+(\d+)\s+out\s+(\d+)$/;
const URL_LINE = /REST API and dashboard at (http:\/\/[^\s/]+)\//;
const CPU = /^weir-bench-cpu (\{.*\})$/m;

/**
 * @param {{ opts: { words: number, files: number }, root: string, corpus: (words: number, files: number) => { dir: string, words: number } }} deps
 */
export function webOverheadBenchmark({ opts, root, corpus }) {
  let cached;
  const corpusNow = () => (cached ??= corpus(opts.words, opts.files));
  const weir = join(root, 'bin', 'weir');
  const cpuReport = pathToFileURL(join(root, 'bench', 'cpu-report.mjs')).href;

  /** One run of weir; with `poll`, polls the REST server every second while the job runs. */
  const runOnce = (label, extraArgs, env, poll) => new Promise((resolve, reject) => {
    const c = corpusNow();
    const args = ['--import', cpuReport, weir, 'run', 'bench/jobs/wordcount-bench.ts', '--parallelism', '2', '--input', c.dir, '--no-progress', ...extraArgs];
    const started = performance.now();
    const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let stderr = '';
    let timer;
    let polls = 0;
    let pollErrors = 0;
    let polling = false;
    child.stdout.resume();
    child.stderr.setEncoding('utf8').on('data', (d) => {
      stderr += d;
      const m = poll && timer === undefined ? URL_LINE.exec(stderr) : null;
      if (m) {
        const url = m[1];
        timer = setInterval(async () => {
          if (polling) return;
          polling = true;
          try {
            const jobs = await (await fetch(`${url}/jobs`)).json();
            const id = jobs.jobs[0]?.id;
            if (id !== undefined) {
              const job = await fetch(`${url}/jobs/${id}`);
              const metrics = await fetch(`${url}/metrics`);
              await job.text();
              await metrics.text();
              if (job.status === 200 && metrics.status === 200) polls++;
              else pollErrors++;
            }
          } catch {
            // The job may end between two requests.
          } finally {
            polling = false;
          }
        }, 1000);
      }
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (timer) clearInterval(timer);
      const wallSeconds = (performance.now() - started) / 1000;
      if (code !== 0) { reject(new Error(`${label}: exited with ${code ?? signal}\n${stderr}`)); return; }
      const s = SUMMARY.exec(stderr);
      if (!s) { reject(new Error(`${label}: no summary line:\n${stderr}`)); return; }
      const stages = [];
      for (const line of stderr.slice(s.index).split('\n').slice(1)) {
        const st = STAGE.exec(line);
        if (st) stages.push({ name: st[1], recordsIn: Number(st[2]), recordsOut: Number(st[3]) });
      }
      const cpu = CPU.exec(stderr);
      resolve({ jobSeconds: Number(s[2]), wallSeconds, cpuSeconds: cpu ? JSON.parse(cpu[1]).seconds : Number.NaN, units: c.words, stages, polls, pollErrors });
    });
  });

  const configs = [
    { name: 'wc-no-metrics', run: () => runOnce('wc-no-metrics', [], { WEIR_TASK_TIME: '0' }, false) },
    { name: 'wc-metrics', run: () => runOnce('wc-metrics', [], {}, false) },
    { name: 'wc-web-polled', run: () => runOnce('wc-web-polled', ['--web', '0'], {}, true) },
  ];
  return {
    name: 'web',
    title: `Metrics and REST server cost: word count at p=2 (${opts.words} words, discard), without the time accounting, with it, with --web and a client polling /jobs/:id and /metrics every second`,
    unit: 'words/s',
    configs,
    ratios: [['wc-web-polled', 'wc-no-metrics'], ['wc-metrics', 'wc-no-metrics'], ['wc-web-polled', 'wc-metrics']],
    extraStats: (list) => {
      const perWord = list.map((r) => r.cpuSeconds / r.units).sort((a, b) => a - b);
      return { cpuPerWordNs: perWord[perWord.length >> 1] * 1e9, polls: list.map((r) => r.polls) };
    },
    printExtra: (stats) => {
      const base = stats.get('wc-no-metrics');
      process.stdout.write('\n  CPU time per word (all threads of the Weir process; median over rounds), and the ratio to wc-no-metrics:\n');
      for (const c of configs) {
        const s = stats.get(c.name);
        if (!s) continue;
        const ratio = base ? (s.cpuPerWordNs / base.cpuPerWordNs).toFixed(3) : '-';
        process.stdout.write(`    ${c.name.padEnd(16)} ${s.cpuPerWordNs.toFixed(1).padStart(8)} ns/word  ×${ratio}${c.name === 'wc-web-polled' ? `  (polls per run: ${s.polls.join(', ')})` : ''}\n`);
      }
      // The server's own CPU per poll, measured in one process (bench/web-request-cost.ts): steady under load.
      const rc = spawnSync(process.execPath, ['--import', 'tsx', 'bench/web-request-cost.ts', '--polls', '300'], { cwd: root, encoding: 'utf8' });
      if (rc.status === 0) {
        const r = JSON.parse(rc.stdout.trim().split('\n').at(-1));
        process.stdout.write(`  one poll (GET /jobs/:id + GET /metrics, client and server in one process): ${r.cpuMsPerPoll.toFixed(2)} ms CPU`
          + ` = ${(r.cpuMsPerPoll / 10).toFixed(2)} % of one core at one poll per second\n`);
      } else {
        process.stdout.write(`  bench/web-request-cost.ts failed: ${rc.stderr}\n`);
      }
      const polled = stats.get('wc-web-polled');
      if (base && polled) {
        const cost = 1 - polled.rate.median / base.rate.median;
        process.stdout.write(`  throughput cost of metrics + REST server + polling: ${(cost * 100).toFixed(1)} % (target ≤ 2 %)${cost <= 0.02 ? '  within the target' : '  OVER the target (see the CPU ratio: the machine may be loaded)'}\n`);
      }
    },
    check: (runs) => {
      const words = corpusNow().words;
      for (const [name, list] of runs) {
        for (const r of list) {
          assert.equal(r.stages.at(-1)?.recordsIn, words, `${name}: the last stage received ${r.stages.at(-1)?.recordsIn} words, expected ${words}`);
          if (name === 'wc-web-polled') {
            assert.equal(r.pollErrors, 0, `${name}: ${r.pollErrors} polls answered with an error`);
            if (r.jobSeconds >= 3) assert.ok(r.polls >= 1, `${name}: a ${r.jobSeconds} s job was never polled`);
          }
        }
      }
    },
  };
}
