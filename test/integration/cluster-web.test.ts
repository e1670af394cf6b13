// The cluster JobManager's REST API and /metrics (`weir jobmanager --web`) and each TaskManager's /metrics (`--metrics-port`),
// real processes on loopback: a sequence job on 2 TaskManagers × 2 slots, queried with fetch while it runs, then stopped with a savepoint.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { removeDir, startWeir, tempDir, waitFor, waitUntil } from './helpers.ts';
import { writeSequenceInput } from './sequence-check.ts';
import { CLUSTER_ENV, HEARTBEAT_TIMEOUT_MS, TEST_TOKEN, startCluster } from './cluster-helpers.ts';

type Child = ReturnType<typeof startWeir>;
const AUTH: RequestInit = { headers: { authorization: `Bearer ${TEST_TOKEN}` } };

async function http(url: string, init: RequestInit = AUTH): Promise<{ status: number; body: any; text: string }> {
  const response = await fetch(url, init);
  const text = await response.text();
  let body: unknown;
  try { body = JSON.parse(text); } catch { body = undefined; }
  return { status: response.status, body, text };
}

async function pollUntil(url: string, children: Child[], check: (body: any) => boolean, what: string, timeoutMs = 90_000): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    const r = await http(url);
    last = r.body ?? r.text;
    if (r.status === 200 && check(r.body)) return r.body;
    if (children.some((c) => c.exitCode !== null)) break;
    await new Promise((res) => setTimeout(res, 100));
  }
  assert.fail(`${what}: not seen at ${url}; last answer ${JSON.stringify(last).slice(0, 1500)}\n${children.map((c) => c.out.stderr.slice(-1500)).join('\n---\n')}`);
}

async function lineOf(child: Child, re: RegExp): Promise<string> {
  assert.ok(await waitUntil(() => re.test(child.out.stdout), child, 30_000), `no line ${re} in:\n${child.out.stdout}\n${child.out.stderr}`);
  return re.exec(child.out.stdout)![1]!;
}

/** Samples of one series in Prometheus text: labels → value. */
function samples(text: string, name: string): { labels: Record<string, string>; value: number }[] {
  const out: { labels: Record<string, string>; value: number }[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const labels: Record<string, string> = {};
    for (const m of line.slice(name.length + 1, line.lastIndexOf('}')).matchAll(/(\w+)="([^"]*)"/g)) labels[m[1]!] = m[2]!;
    out.push({ labels, value: Number(line.slice(line.lastIndexOf(' ') + 1)) });
  }
  return out;
}

test('cluster REST: /jobs/:id, vertices with per-subtask metrics from the TaskManagers, /taskmanagers, a savepoint by POST, each TaskManager\'s /metrics, stop', { timeout: 240_000 }, async () => {
  const dir = tempDir('cluster-web');
  const cluster = await startCluster({ taskmanagers: 0, slots: 2, cacheDir: join(dir, 'cache'), jobmanagerArgs: ['--web', '0'] });
  let run: Child | undefined;
  let run2: Child | undefined;
  try {
    const tms = [await cluster.addTaskManager(2, ['--metrics-port', '0']), await cluster.addTaskManager(2, ['--metrics-port', '0'])];
    const rest = await lineOf(cluster.jobmanager, /REST API and dashboard at (http:\/\/127\.0\.0\.1:\d+)\//);
    const tmMetrics = await Promise.all(tms.map((tm) => lineOf(tm, /metrics at (http:\/\/127\.0\.0\.1:\d+)\/metrics/)));

    // Every request needs the cluster token, on the JobManager and on the TaskManagers.
    assert.equal((await http(`${rest}/overview`, {})).status, 401);
    assert.equal((await http(`${rest}/overview`, { headers: { authorization: 'Bearer wrong-token-0123456789abcdef' } })).body.code, 'WEIR_UNAUTHORIZED');
    assert.equal((await http(`${tmMetrics[0]}/metrics`, {})).status, 401);
    const idle = await http(`${rest}/overview`);
    assert.equal(idle.body.taskmanagers, 2);
    assert.equal(idle.body['slots-total'], 4);
    assert.equal(idle.body['slots-available'], 4);

    const input = join(dir, 'in.txt');
    writeSequenceInput(input, 400_000, 41);
    const cp = join(dir, 'cp');
    run = startWeir(['run', 'examples/sequence.ts', '--jobmanager', cluster.address, '--input', input, '--output', join(dir, 'out'), '-p', '4',
      '--checkpoint-dir', cp, '--checkpoint-interval', '300', '--throttle-us', '50', '--no-progress'], CLUSTER_ENV);
    const all = [run, cluster.jobmanager, ...tms];

    const jobs = await pollUntil(`${rest}/jobs`, all, (b) => b.jobs.length === 1 && b.jobs[0].status === 'RUNNING', 'a running job');
    const id = jobs.jobs[0].id as string;
    assert.equal(id, 'sequence');
    const job = await pollUntil(`${rest}/jobs/${id}`, all, (b) => b.vertices.every((v: any) => v.status === 'RUNNING') && b.vertices[0].metrics['read-records'] > 0, 'every vertex running, records read');
    assert.equal(job.name, 'sequence');
    assert.equal(job['runtime-mode'], 'STREAMING');
    assert.ok(job.vertices.length >= 2, JSON.stringify(job.vertices));
    assert.ok(job.vertices.some((v: any) => v.parallelism === 4));
    assert.equal(job.plan.nodes.length, job.vertices.length);

    // Per-subtask metrics of a parallel vertex, reported by the slots on both TaskManagers: every subtask counts records, and the counts grow.
    const vid = job.vertices.findIndex((v: any) => v.parallelism === 4);
    const first = await pollUntil(`${rest}/jobs/${id}/vertices/${vid}`, all, (b) => b.subtasks.every((s: any) => s.metrics.numRecordsIn > 0), 'records in every subtask');
    assert.deepEqual(first.subtasks.map((s: any) => s.subtask), [0, 1, 2, 3]);
    const before = first.subtasks.map((s: any) => s.metrics.numRecordsIn as number);
    await pollUntil(`${rest}/jobs/${id}/vertices/${vid}`, all, (b) => b.subtasks.every((s: any, i: number) => s.metrics.numRecordsIn > before[i]! && s.status === 'RUNNING'), 'every subtask\'s count grows');
    const rates = await pollUntil(`${rest}/jobs/${id}/vertices/${vid}`, all, (b) => b.subtasks.some((s: any) => s.metrics.numRecordsInPerSecond > 0), 'a records/s rate');
    for (const s of rates.subtasks) {
      const sum = s.metrics.busyTimeMsPerSecond + s.metrics.backPressuredTimeMsPerSecond + s.metrics.idleTimeMsPerSecond;
      assert.ok(sum === 0 || Math.abs(sum - 1000) < 1, `busy + back-pressured + idle = 1000 ms/s, got ${sum}`);
    }

    // The TaskManagers as the JobManager sees them: both, every slot taken, heartbeats recent.
    const tmList = (await http(`${rest}/taskmanagers`)).body.taskmanagers;
    assert.equal(tmList.length, 2, JSON.stringify(tmList));
    for (const tm of tmList) {
      assert.match(tm.id, /^tm-\d+$/);
      assert.match(tm.path, /^127\.0\.0\.1:\d+$/);
      assert.equal(tm.slotsNumber, 2);
      assert.equal(tm.freeSlots, 0);
      assert.ok(tm.timeSinceLastHeartbeat >= 0 && tm.timeSinceLastHeartbeat < HEARTBEAT_TIMEOUT_MS, String(tm.timeSinceLastHeartbeat));
      assert.ok(tm.hardware.cpuCores >= 1 && tm.hardware.physicalMemory > 0);
    }
    assert.equal((await http(`${rest}/overview`)).body['slots-available'], 0);

    // Each TaskManager's /metrics: labelled series of exactly the subtasks it runs; together all 4 of the vertex.
    const seen = new Set<string>();
    for (const url of tmMetrics) {
      const text = (await http(`${url}/metrics`)).text;
      const recordsIn: { labels: Record<string, string>; value: number }[] = samples(text, 'weir_task_records_in').filter((s) => s.labels['job'] === id && s.labels['vertex'] === String(vid));
      assert.equal(recordsIn.length, 2, `2 subtasks of vertex ${vid} on this TaskManager:\n${text.slice(0, 3000)}`);
      for (const s of recordsIn) {
        assert.equal(s.labels['vertex_name'], job.vertices[vid].name);
        assert.ok(s.value > 0);
        assert.ok(!seen.has(s.labels['subtask']!), 'a subtask runs on one TaskManager only');
        seen.add(s.labels['subtask']!);
      }
      assert.equal(samples(text, 'weir_task_busy_time_ms_per_second').filter((s) => s.labels['job'] === id).length, samples(text, 'weir_task_records_in').filter((s) => s.labels['job'] === id).length);
      assert.match(text, /^weir_taskmanager_slots 2$/m);
      assert.match(text, /^weir_taskmanager_free_slots 0$/m);
    }
    assert.deepEqual([...seen].sort(), ['0', '1', '2', '3']);
    // The JobManager's /metrics has the same subtasks (with the job-level series).
    const jmText = (await http(`${rest}/metrics`)).text;
    assert.equal(samples(jmText, 'weir_task_records_in').filter((s) => s.labels['vertex'] === String(vid)).length, 4);
    assert.match(jmText, /weir_job_state\{job="sequence",state="RUNNING"\} 1/);

    // A savepoint triggered by POST completes; its location holds a _metadata file written through the TaskManagers.
    await pollUntil(`${rest}/jobs/${id}/checkpoints`, all, (b) => b.counts.completed >= 1, 'a completed checkpoint');
    const trigger = await http(`${rest}/jobs/${id}/savepoints`, { method: 'POST', headers: { ...AUTH.headers, 'content-type': 'application/json' }, body: JSON.stringify({ 'target-directory': join(dir, 'sp') }) });
    assert.equal(trigger.status, 202, trigger.text);
    const requestId = trigger.body['request-id'] as string;
    const status = await pollUntil(`${rest}/jobs/${id}/savepoints/${requestId}`, all, (b) => b.status.id === 'COMPLETED', 'the savepoint completed');
    assert.ok(status.operation.location, JSON.stringify(status));
    assert.ok(status.operation.location.startsWith(join(dir, 'sp')), status.operation.location);
    assert.ok(existsSync(join(status.operation.location, '_metadata')));
    const cps = await pollUntil(`${rest}/jobs/${id}/checkpoints`, all, (b) => b.latest.savepoint !== null, 'the savepoint in the history');
    assert.equal(cps.latest.savepoint.external_path, status.operation.location);
    assert.equal(cps.latest.savepoint.num_acknowledged_subtasks, cps.latest.savepoint.num_subtasks);
    assert.equal((await http(`${rest}/jobs/${id}/exceptions`)).body['root-exception'], null);
    assert.equal((await http(`${rest}/jobs/nope`)).status, 404);

    // Stop with a savepoint through REST: the job finishes, the client gets its result, REST says FINISHED.
    const stop = await http(`${rest}/jobs/${id}/stop`, { method: 'POST', headers: { ...AUTH.headers, 'content-type': 'application/json' }, body: '{}' });
    assert.equal(stop.status, 202, stop.text);
    const r = await waitFor(run, 120_000);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /savepoint: /);
    await pollUntil(`${rest}/jobs/${id}`, [cluster.jobmanager], (b) => b.state === 'FINISHED', 'the job finished');
    const stopStatus = await http(`${rest}/jobs/${id}/savepoints/${stop.body['request-id']}`);
    assert.equal(stopStatus.body.status.id, 'COMPLETED', stopStatus.text);
    // A finished job cannot be cancelled (the job's own refusal, answered as a 409 although it comes from the job bundle's engine copy).
    const cancel = await http(`${rest}/jobs/${id}`, { method: 'PATCH', headers: AUTH.headers });
    assert.equal(cancel.status, 409, cancel.text);
    assert.equal(cancel.body.code, 'WEIR_JOB_NOT_RUNNING');
    // Its slots are free again.
    await pollUntil(`${rest}/overview`, [cluster.jobmanager], (b) => b['slots-available'] === 4, 'the slots released');

    // The same job again, cancelled through PATCH: CANCELED in REST, its client fails, the slots come back.
    run2 = startWeir(['run', 'examples/sequence.ts', '--jobmanager', cluster.address, '--input', input, '--output', join(dir, 'out2'), '-p', '2',
      '--throttle-us', '50', '--no-progress'], CLUSTER_ENV);
    await pollUntil(`${rest}/jobs/${id}`, [run2, cluster.jobmanager], (b) => b.state === 'RUNNING' && b.vertices.every((v: any) => v.status === 'RUNNING'), 'the second run running');
    const patch = await http(`${rest}/jobs/${id}`, { method: 'PATCH', headers: AUTH.headers });
    assert.equal(patch.status, 202, patch.text);
    const r2 = await waitFor(run2, 60_000);
    assert.notEqual(r2.code, 0);
    assert.match(r2.stderr, /cancelled/);
    await pollUntil(`${rest}/jobs/${id}`, [cluster.jobmanager], (b) => b.state === 'CANCELED', 'the job cancelled');
    await pollUntil(`${rest}/overview`, [cluster.jobmanager], (b) => b['slots-available'] === 4 && b['jobs-cancelled'] === 1, 'the slots released after cancel');
    assert.match(cluster.jobmanager.out.stderr, /job sequence: cancel requested by the REST API/);
  } finally {
    if (run && run.exitCode === null) run.kill('SIGKILL');
    if (run2 && run2.exitCode === null) run2.kill('SIGKILL');
    await cluster.stop();
    removeDir(dir);
  }
});
