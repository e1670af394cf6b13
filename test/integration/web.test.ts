// The REST API of `weir run --web`: real HTTP on loopback against real job runs (rest-contract, docs/operations.md).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { removeDir, startWeir, tempDir, waitFor, waitUntil } from './helpers.ts';

type Child = ReturnType<typeof startWeir>;

/** The server's URL from the line `weir: REST API and dashboard at <url>/`. */
async function serverUrl(child: Child): Promise<string> {
  const re = /REST API and dashboard at (http:\/\/127\.0\.0\.1:\d+)\//;
  assert.ok(await waitUntil(() => re.test(child.out.stderr), child, 60_000), `no server line:\n${child.out.stderr}`);
  return re.exec(child.out.stderr)![1]!;
}

async function http(url: string, init: RequestInit = {}): Promise<{ status: number; body: any; text: string }> {
  const response = await fetch(url, init);
  const text = await response.text();
  let body: unknown;
  try { body = JSON.parse(text); } catch { body = undefined; }
  return { status: response.status, body, text };
}

/** Polls GET url until `check` accepts the body; fails after `timeoutMs` or when the job exited. */
async function pollUntil(url: string, child: Child, check: (body: any) => boolean, what: string, timeoutMs = 60_000, init: RequestInit = {}): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    const r = await http(url, init);
    last = r.body ?? r.text;
    if (r.status === 200 && check(r.body)) return r.body;
    if (child.exitCode !== null) break;
    await new Promise((res) => setTimeout(res, 100));
  }
  assert.fail(`${what}: not seen at ${url}; last answer ${JSON.stringify(last).slice(0, 1500)}\nstderr: ${child.out.stderr.slice(-2000)}`);
}

const json = (body: unknown): RequestInit => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

function sequenceInput(dir: string, lines: number): string {
  const input = join(dir, 'in.txt');
  let s = '';
  for (let i = 0; i < lines; i++) s += `k${i % 50},p${i}\n`;
  writeFileSync(input, s);
  return input;
}

test('sequence with checkpointing: checkpoints, metrics, a savepoint from REST, bad requests, stop with a savepoint', { timeout: 180_000 }, async () => {
  const dir = tempDir('web-seq');
  const child = startWeir([
    // Long enough (≥ 10 s of work) that the job is still running when it is stopped, even on a loaded machine; the stop ends it early.
    'run', 'examples/sequence.ts', '--input', sequenceInput(dir, 400_000), '--output', join(dir, 'out'), '-p', '2',
    '--checkpoint-dir', join(dir, 'cp'), '--checkpoint-interval', '200', '--throttle-us', '50',
    '--web', '0', '--web-linger', '3000', '--no-progress',
  ]);
  try {
    const url = await serverUrl(child);
    const jobs = await pollUntil(`${url}/jobs`, child, (b) => b.jobs.length === 1 && b.jobs[0].status === 'RUNNING', 'a running job');
    const id = jobs.jobs[0].id as string;
    assert.equal(id, 'sequence');

    // --- checkpoints: at least one completed, with its figures ---
    const cps = await pollUntil(`${url}/jobs/${id}/checkpoints`, child, (b) => b.counts.completed >= 2, 'two completed checkpoints');
    const done = cps.history.find((e: any) => e.status === 'COMPLETED');
    assert.equal(done.checkpoint_type, 'CHECKPOINT');
    assert.equal(done.is_savepoint, false);
    assert.equal(done.num_subtasks, 3);
    assert.equal(done.num_acknowledged_subtasks, 3);
    assert.ok(done.state_size > 0, 'a checkpoint of keyed state has a size');
    assert.ok(done.end_to_end_duration >= 0 && done.latest_ack_timestamp >= done.trigger_timestamp);
    assert.ok(existsSync(join(done.external_path, '_metadata')), `${done.external_path}/_metadata`);
    assert.equal(cps.latest.completed.status, 'COMPLETED');
    assert.ok(cps.summary.state_size.max >= cps.summary.state_size.min && cps.summary.state_size.max > 0);
    const ids = cps.history.map((e: any) => e.id);
    assert.deepEqual(ids, [...ids].sort((a: number, b: number) => b - a), 'history is newest first');
    const config = (await http(`${url}/jobs/${id}/checkpoints/config`)).body;
    assert.equal(config.mode, 'exactly_once');
    assert.equal(config.interval, 200);
    assert.equal(config.checkpoint_storage, join(dir, 'cp'));

    // --- the job and its vertices ---
    const job = await pollUntil(`${url}/jobs/${id}`, child, (b) => b.vertices[0].metrics['read-records'] > 0 && b.vertices[1].metrics['read-records'] > 0, 'records read');
    assert.equal(job.state, 'RUNNING');
    assert.equal(job.vertices.length, 2);
    assert.deepEqual(job.plan.nodes.map((n: any) => n.inputs.map((i: any) => `${i.id}:${i.ship_strategy}`)), [[], ['0:HASH']]);
    // Each slot reports on its own every 500 ms: wait until both subtasks had records and a checkpoint held keyed state.
    const sub = await pollUntil(`${url}/jobs/${id}/vertices/1`, child,
      (b) => b.subtasks.every((s: any) => s.metrics.numRecordsIn > 0) && b.subtasks.some((s: any) => s.metrics.stateSize > 0), 'records and state in both subtasks');
    assert.equal(sub.parallelism, 2);
    assert.equal(sub.subtasks.length, 2);
    for (const s of sub.subtasks) {
      const m = s.metrics;
      const sum = m.busyTimeMsPerSecond + m.backPressuredTimeMsPerSecond + m.idleTimeMsPerSecond;
      assert.ok(Math.abs(sum - 1000) < 1e-6, `busy + back-pressured + idle = 1000 ms per second, got ${sum}`);
    }
    // The keyed exchange from slot 0 to subtask 1 crosses threads: encoded bytes are counted on both ends.
    assert.ok(sub.subtasks[1].metrics.numBytesIn > 0, 'bytes into the subtask in the other thread');
    assert.ok(sub.subtasks.some((s: any) => s.metrics.stateSize > 0), 'state size from the latest checkpoint');
    const source = await pollUntil(`${url}/jobs/${id}/vertices/0`, child, (b) => b.subtasks[0].metrics.numBytesOut > 0, 'bytes out of the source');
    assert.ok(source.subtasks[0].metrics.numRecordsOut > 0);

    // --- Prometheus ---
    const metrics = await http(`${url}/metrics`);
    assert.equal(metrics.status, 200);
    const series = (name: string, labels: string): number => {
      const line = metrics.text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(labels));
      assert.ok(line, `series ${name} with ${labels} in:\n${metrics.text.slice(0, 3000)}`);
      return Number(line.slice(line.lastIndexOf(' ') + 1));
    };
    assert.ok(series('weir_task_records_in', 'job="sequence",vertex="0"') > 0);
    assert.ok(series('weir_task_records_out', 'vertex="0"') > 0);
    assert.ok(series('weir_task_records_in', 'vertex="1",vertex_name="Sequence -> Exactly-once file sink",subtask="1"') > 0);
    assert.ok(series('weir_job_checkpoints_completed', 'job="sequence"') >= 2);
    assert.ok(series('weir_job_last_checkpoint_size_bytes', 'job="sequence"') > 0);
    assert.equal(series('weir_job_state', 'state="RUNNING"'), 1);
    series('weir_task_busy_time_ms_per_second', 'subtask="0"');
    series('weir_task_back_pressured_time_ms_per_second', 'subtask="0"');
    series('weir_task_idle_time_ms_per_second', 'subtask="0"');
    series('weir_job_vertex_backpressure_level', 'vertex="0"');

    // --- bad requests: 400/404 with a code ---
    const bad = [
      [await http(`${url}/jobs/${id}/vertices/abc`), 400, 'WEIR_BAD_REQUEST'],
      [await http(`${url}/jobs/${id}/vertices/7`), 404, 'WEIR_VERTEX_NOT_FOUND'],
      [await http(`${url}/jobs/nope`), 404, 'WEIR_JOB_NOT_FOUND'],
      [await http(`${url}/jobs/${id}/savepoints`, json({ 'target-dir': '/tmp' })), 400, 'WEIR_BAD_REQUEST'],
      [await http(`${url}/jobs/${id}/savepoints`, json({ 'cancel-job': 'yes' })), 400, 'WEIR_BAD_REQUEST'],
      [await http(`${url}/jobs/${id}/savepoints`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{oops' }), 400, 'WEIR_BAD_REQUEST'],
      [await http(`${url}/jobs/${id}?mode=destroy`, { method: 'PATCH' }), 400, 'WEIR_BAD_REQUEST'],
      [await http(`${url}/jobs/${id}/savepoints/not-a-trigger`), 400, 'WEIR_BAD_REQUEST'],
      [await http(`${url}/jobs/${id}/savepoints/00000000-0000-0000-0000-000000000000`), 404, 'WEIR_TRIGGER_NOT_FOUND'],
      [await http(`${url}/overview?x=1`), 400, 'WEIR_BAD_REQUEST'],
      [await http(`${url}/no/such/route`), 404, 'WEIR_NOT_FOUND'],
    ] as const;
    for (const [r, status, code] of bad) {
      assert.equal(r.status, status, r.text);
      assert.equal(r.body.code, code, r.text);
      assert.ok(Array.isArray(r.body.errors) && r.body.errors.length === 1, r.text);
    }

    // --- a savepoint from REST: on disk, and in the history ---
    const target = join(dir, 'rest-savepoints');
    const trigger = await http(`${url}/jobs/${id}/savepoints`, json({ 'target-directory': target }));
    assert.equal(trigger.status, 202, trigger.text);
    const sp = await pollUntil(`${url}/jobs/${id}/savepoints/${trigger.body['request-id']}`, child, (b) => b.status.id === 'COMPLETED', 'the savepoint');
    const location = sp.operation.location as string;
    assert.ok(location.startsWith(target), location);
    assert.ok(existsSync(join(location, '_metadata')), `${location}/_metadata`);
    const after = (await http(`${url}/jobs/${id}/checkpoints`)).body;
    const entry = after.history.find((e: any) => e.external_path === location);
    assert.ok(entry, 'the savepoint is in the history');
    assert.equal(entry.is_savepoint, true);
    assert.equal(entry.checkpoint_type, 'SAVEPOINT');
    assert.equal(after.latest.savepoint.external_path, location);

    // --- stop with a savepoint ---
    const stop = await http(`${url}/jobs/${id}/stop`, json({ drain: false }));
    assert.equal(stop.status, 202, stop.text);
    const stopped = await pollUntil(`${url}/jobs/${id}/savepoints/${stop.body['request-id']}`, child, (b) => b.status.id === 'COMPLETED', 'the stop savepoint');
    assert.ok(existsSync(join(stopped.operation.location, '_metadata')));
    const finished = await pollUntil(`${url}/jobs/${id}`, child, (b) => b.state === 'FINISHED', 'the job finished');
    assert.ok(finished['end-time'] >= finished['start-time']);
    const r = await waitFor(child, 60_000);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.stderr.includes(`savepoint: ${stopped.operation.location}`), r.stderr);
  } finally {
    child.kill('SIGKILL');
    removeDir(dir);
  }
});

test('a slow sink: HIGH back-pressure on the vertex before it, not on the sink; PATCH cancels the job', { timeout: 120_000 }, async () => {
  const child = startWeir(['run', 'test/integration/jobs/slow-sink-job.ts', '--slow-us', '50', '--web', '0', '--web-linger', '2000', '--no-progress', '--log-level', 'info']);
  try {
    const url = await serverUrl(child);
    const id = 'slow-sink';
    const job = await pollUntil(`${url}/jobs/${id}`, child, (b) => b.vertices[0].metrics['backpressure-level'] === 'high', 'HIGH back-pressure on vertex 0');
    assert.equal(job.vertices[1].name, 'Slow sink -> Discard');
    assert.notEqual(job.vertices[1].metrics['backpressure-level'], 'high');
    assert.ok(job.vertices[1].metrics['busy-ratio'] > 0.5, `the sink is busy: ${JSON.stringify(job.vertices[1].metrics)}`);
    const bp0 = (await http(`${url}/jobs/${id}/vertices/0/backpressure`)).body;
    assert.equal(bp0.status, 'ok');
    assert.equal(bp0.backpressureLevel, 'high');
    assert.ok(bp0.subtasks[0].ratio > 0.5);
    const bp1 = (await http(`${url}/jobs/${id}/vertices/1/backpressure`)).body;
    assert.equal(bp1.subtasks[0].backpressureLevel, 'ok');
    const history = (await http(`${url}/jobs/${id}/vertices/0/metrics-history`)).body;
    assert.ok(history.points.length >= 1 && history.points.every((p: any) => typeof p.t === 'number' && p.backPressuredTimeMsPerSecond >= 0));
    // No checkpoint directory: no savepoint, said with a code.
    const sp = await http(`${url}/jobs/${id}/savepoints`, json({}));
    assert.equal(sp.status, 409, sp.text);
    assert.equal(sp.body.code, 'WEIR_SAVEPOINT_UNAVAILABLE');

    const cancel = await http(`${url}/jobs/${id}`, { method: 'PATCH' });
    assert.equal(cancel.status, 202, cancel.text);
    assert.deepEqual(cancel.body, {});
    await pollUntil(`${url}/jobs/${id}`, child, (b) => b.state === 'CANCELED', 'the job cancelled');
    const again = await http(`${url}/jobs/${id}?mode=cancel`, { method: 'PATCH' });
    assert.equal(again.status, 409, again.text);
    assert.equal(again.body.code, 'WEIR_JOB_NOT_RUNNING');
    const r = await waitFor(child, 30_000);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /\[WEIR_JOB_CANCELLED\]/);
    // Task log lines carry job, vertex, subtask and attempt (JSON lines: stderr is not a terminal).
    const taskLines = r.stderr.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l)).filter((l) => l.msg === 'task running');
    assert.equal(taskLines.length, 2, r.stderr);
    for (const l of taskLines) {
      assert.equal(l.job, 'slow-sink');
      assert.equal(typeof l.vertex, 'number');
      assert.equal(l.subtask, 0);
      assert.equal(l.attempt, 0);
      assert.equal(l.level, 30);
    }
  } finally {
    child.kill('SIGKILL');
  }
});

test('with a cluster token, API requests need it (401 without); the dashboard files do not', { timeout: 120_000 }, async () => {
  const dir = tempDir('web-token');
  const tokenFile = join(dir, 'token');
  writeFileSync(tokenFile, 's3cret-token-0123456789\n');
  const child = startWeir(['run', 'test/integration/jobs/slow-sink-job.ts', '--slow-us', '5', '--web', '0', '--token-file', tokenFile, '--no-progress']);
  try {
    const url = await serverUrl(child);
    for (const path of ['/overview', '/jobs', '/metrics', '/jobs/slow-sink']) {
      const r = await http(`${url}${path}`);
      assert.equal(r.status, 401, `${path}: ${r.text}`);
      assert.equal(r.body.code, 'WEIR_UNAUTHORIZED');
      const wrong = await http(`${url}${path}`, { headers: { authorization: 'Bearer s3cret-token-0123456788' } });
      assert.equal(wrong.status, 401);
    }
    const auth = { headers: { authorization: 'Bearer s3cret-token-0123456789' } };
    const ok = await pollUntil(`${url}/jobs`, child, (b) => b.jobs.length === 1, 'the job with the token', 30_000, auth);
    assert.equal(ok.jobs[0].id, 'slow-sink');
    const vendor = await fetch(`${url}/vendor/elk.bundled.js`);
    assert.equal(vendor.status, 200);
    assert.match(vendor.headers.get('content-type') ?? '', /javascript/);
    const tms = (await http(`${url}/taskmanagers`, auth)).body;
    assert.equal(tms.taskmanagers.length, 1);
    assert.equal(tms.taskmanagers[0].slotsNumber, 1);
    const cancel = await http(`${url}/jobs/slow-sink`, { method: 'PATCH', ...auth });
    assert.equal(cancel.status, 202);
    const r = await waitFor(child, 30_000);
    assert.equal(r.code, 1, r.stderr);
  } finally {
    child.kill('SIGKILL');
    removeDir(dir);
  }
});
