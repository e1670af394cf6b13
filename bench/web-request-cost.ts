// CPU time of one dashboard poll (GET /jobs/:id + GET /metrics) against the REST server, in one process (client included).
//
//   node --import tsx bench/web-request-cost.ts [--polls 500] [--parallelism 2]
//
// A word-count-shaped JobManager (not run) with a metrics report per subtask, the server on
// loopback, then `polls` sequential polls; prints CPU ms per poll (process.cpuUsage: server and
// client together, so an upper bound on the server's share). At one poll per second this is the
// CPU the REST server takes from the job, per second: insensitive to how loaded the machine is,
// unlike throughput ratios. Used by bench/web-overhead.mjs.

import { StreamExecutionEnvironment } from '../src/index.ts';
import { JobManager } from '../src/coordinator/job-manager.ts';
import { JobRegistry } from '../src/coordinator/job-registry.ts';
import { startWebServer } from '../src/web/server.ts';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const polls = arg('polls', 500);
const parallelism = arg('parallelism', 2);

const env = StreamExecutionEnvironment.getExecutionEnvironment({ parallelism });
env.fromGenerator((i) => `w${i % 1000}`).flatMap((s: string, out) => out.collect([s, 1] as [string, number])).keyBy(0).sum(1).discard();
const jm = new JobManager({ env, jobName: 'request-cost', createTaskManager: () => { throw new Error('not run'); } });
for (const v of jm.graph.vertices) {
  for (let s = 0; s < v.parallelism; s++) {
    for (const at of [0, 500, 1000]) {
      jm.metrics.report({ vertex: v.index, subtask: s, recordsIn: at * 1000, recordsOut: at * 1000, bytesIn: at * 9000, bytesOut: at * 9000, busyMs: at / 2, backPressuredMs: at / 4, idleMs: at / 4, inputWatermark: at, outputWatermark: at, watermark: at, at });
    }
  }
}
const registry = new JobRegistry();
registry.add(jm);
const server = await startWebServer({ view: registry, port: 0 });
const poll = async (): Promise<void> => {
  const a = await fetch(`${server.url}/jobs/${jm.jobId}`);
  const b = await fetch(`${server.url}/metrics`);
  if (a.status !== 200 || b.status !== 200) throw new Error(`poll failed: ${a.status} ${b.status}`);
  await a.text();
  await b.text();
};
for (let i = 0; i < 50; i++) await poll(); // warm-up
const cpu0 = process.cpuUsage();
const t0 = performance.now();
for (let i = 0; i < polls; i++) await poll();
const cpu = process.cpuUsage(cpu0);
const wall = performance.now() - t0;
await server.close();
const cpuMsPerPoll = (cpu.user + cpu.system) / 1000 / polls;
process.stdout.write(`${JSON.stringify({ polls, parallelism, cpuMsPerPoll, wallMsPerPoll: wall / polls })}\n`);
