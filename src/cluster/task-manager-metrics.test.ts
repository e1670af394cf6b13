// A TaskManager's metrics: its slots' reports become the same task series as on the JobManager, labelled job, vertex, subtask; over real HTTP.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Deployment, TaskMetrics } from '../runtime/protocol.ts';
import { TASKMANAGER_SERIES_NAMES } from '../metrics/prometheus.ts';
import { startTaskManagerMetricsServer, TaskManagerMetrics } from './task-manager-metrics.ts';

const TOKEN = 'a-test-token-of-enough-length';

function report(vertex: number, subtask: number, recordsIn: number, at: number): TaskMetrics {
  return { vertex, subtask, recordsIn, recordsOut: recordsIn, busyMs: at / 2, backPressuredMs: 0, idleMs: at / 2, at };
}

function deployment(jobId: string, names: string[]): Deployment {
  return { jobId, jobName: jobId, attempt: 0, config: {} as Deployment['config'], fingerprint: '', vertexNames: names, tasks: [] };
}

test('reports of a deployed execution become labelled series; a cancelled execution\'s series go; the token is required', async () => {
  const tm = new TaskManagerMetrics(3);
  tm.deployed(7, 'job-a', [1, 2]);
  tm.deployment(7, deployment('job-a', ['Source', 'Sink']));
  tm.event(7, { type: 'metrics', metrics: [report(0, 1, 100, 1000), report(1, 1, 50, 1000), report(0, 2, 10, 1000)] });
  tm.event(7, { type: 'metrics', metrics: [report(0, 1, 300, 2000), report(1, 1, 150, 2000), report(0, 2, 20, 2000)] });
  // Events of an execution that is not deployed here, and other event types, are ignored.
  tm.event(8, { type: 'metrics', metrics: [report(0, 0, 5, 1000)] });
  tm.event(7, { type: 'deployed', slot: 1 });
  assert.equal(tm.freeSlots(), 1);

  const server = await startTaskManagerMetricsServer({ host: '127.0.0.1', port: 0, token: TOKEN, source: tm });
  try {
    assert.equal((await fetch(`${server.url}/metrics`)).status, 401);
    assert.equal((await fetch(`${server.url}/nope`, { headers: { authorization: `Bearer ${TOKEN}` } })).status, 404);
    const text = await (await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).text();
    for (const name of TASKMANAGER_SERIES_NAMES) assert.match(text, new RegExp(`^# TYPE ${name} gauge$`, 'm'), name);
    assert.match(text, /^weir_task_records_in\{job="job-a",vertex="0",vertex_name="Source",subtask="1"\} 300$/m);
    assert.match(text, /^weir_task_records_in\{job="job-a",vertex="1",vertex_name="Sink",subtask="1"\} 150$/m);
    assert.match(text, /^weir_task_records_in\{job="job-a",vertex="0",vertex_name="Source",subtask="2"\} 20$/m);
    // Rates over the two reports, 1 s apart on the reporter's clock: (300 − 100) / 1 s.
    assert.match(text, /^weir_task_records_in_per_second\{job="job-a",vertex="0",vertex_name="Source",subtask="1"\} 200$/m);
    assert.match(text, /^weir_task_busy_time_ms_per_second\{job="job-a",vertex="0",vertex_name="Source",subtask="1"\} 500$/m);
    assert.equal(text.match(/^weir_task_records_in\{/gm)?.length, 3);
    assert.match(text, /^weir_taskmanager_slots 3$/m);
    assert.match(text, /^weir_taskmanager_free_slots 1$/m);

    tm.removed(7);
    const after = await (await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).text();
    assert.doesNotMatch(after, /^weir_task_records_in\{/m);
    assert.match(after, /^weir_taskmanager_free_slots 3$/m);
  } finally {
    await server.close();
  }
});
