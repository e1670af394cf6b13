// Runs a command and reports the CPU time of each of its threads (Linux /proc, sampled every 50 ms; the
// last sample of each thread is kept, so a thread's final < 50 ms are missed), largest first.
//
//   node bench/thread-cpu.mjs ./bin/weir run bench/jobs/keyed-work.ts --parallelism 2 --count 5000000 --no-progress
//
// Prints `job <s> wall <s> total cpu <s> | node:<s> node:<s> ...`: with `weir run`, the largest entries are
// the slot worker threads, then the main thread (JobManager, client), then V8's helper threads (GC,
// compiler). Per-thread CPU time is what docs/benchmarks.md compares when the machine is loaded:
// it moves far less with the load than wall time, though it still grows under heavy load (cache misses).

import { spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';

const [cmd, ...args] = process.argv.slice(2);
if (!cmd) {
  process.stderr.write('usage: node bench/thread-cpu.mjs <command> [args...]\n');
  process.exit(1);
}
const child = spawn(cmd, args, { stdio: ['ignore', 'inherit', 'pipe'] });
let stderr = '';
child.stderr.on('data', (d) => { stderr += d; });
const ticksPerSecond = 100; // USER_HZ: /proc reports utime and stime in these
const last = new Map();
const sample = () => {
  let tids;
  try { tids = readdirSync(`/proc/${child.pid}/task`); } catch { return; }
  for (const tid of tids) {
    try {
      const stat = readFileSync(`/proc/${child.pid}/task/${tid}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const name = stat.slice(stat.indexOf('(') + 1, close);
      const fields = stat.slice(close + 2).split(' ');
      last.set(tid, { name, cpu: (Number(fields[11]) + Number(fields[12])) / ticksPerSecond });
    } catch { /* the thread ended between readdir and read */ }
  }
};
const timer = setInterval(sample, 50);
const started = performance.now();
child.on('exit', (code) => {
  clearInterval(timer);
  const wall = (performance.now() - started) / 1000;
  const job = /finished in ([\d.]+) s/.exec(stderr)?.[1] ?? '?';
  const threads = [...last.values()].filter((t) => t.cpu > 0.02).sort((a, b) => b.cpu - a.cpu);
  const total = [...last.values()].reduce((s, t) => s + t.cpu, 0);
  process.stdout.write(`job ${job} s wall ${wall.toFixed(2)} total cpu ${total.toFixed(2)} | ${threads.map((t) => `${t.name}:${t.cpu.toFixed(2)}`).join(' ')}\n`);
  if (code !== 0) process.stderr.write(stderr.slice(-4000));
  process.exitCode = code ?? 1;
});
