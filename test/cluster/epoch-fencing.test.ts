// Fencing at a TaskManager: a real `weir taskmanager` process against a scripted JobManager in this process (real TCP and handshake).
// Once it has seen epoch 7, a command of epoch 3 is refused and logged; a JobManager that registers it with an older epoch is left.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { acceptConnections, type Connection } from '../../src/cluster/connection.ts';
import type { ExecDeployment, JobManagerToTaskManager, TaskManagerToJobManager } from '../../src/cluster/messages.ts';
import { CLUSTER_ENV, HEARTBEAT, TEST_TOKEN } from '../integration/cluster-helpers.ts';
import { removeDir, startWeir, tempDir, waitUntil } from '../integration/helpers.ts';

const HB = { intervalMs: 300, timeoutMs: 3000 };

function deployment(exec: number, bundleHash: string): ExecDeployment {
  return { exec, jobId: 'j', attempt: 0, bundleHash, numSlots: 1, slots: [0], owners: ['tm-x'], peers: {}, jobArgs: [], defaults: {} };
}

test('a TaskManager refuses commands of an older JobManager epoch than it has seen, and leaves a stale JobManager', { timeout: 60_000 }, async () => {
  const dir = tempDir('epoch-fencing');
  const server = createServer();
  /** Every connection from the TaskManager, with what it sent on it. */
  const conns: { conn: Connection; got: TaskManagerToJobManager[]; closed: string | undefined }[] = [];
  acceptConnections(server, {
    token: Buffer.from(TEST_TOKEN), role: 'jobmanager', heartbeat: HB, log: () => undefined,
    onConnection: (conn) => {
      const entry = { conn, got: [] as TaskManagerToJobManager[], closed: undefined as string | undefined };
      conns.push(entry);
      conn.onControl = (m) => entry.got.push(m as TaskManagerToJobManager);
      conn.onClose((reason) => { entry.closed = reason; });
    },
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const tm = startWeir(['taskmanager', '--jobmanager', `127.0.0.1:${port}`, '--slots', '1', ...HEARTBEAT, '--cache-dir', join(dir, 'cache')], CLUSTER_ENV);
  const send = (c: Connection, m: JobManagerToTaskManager): void => c.sendControl(m);
  try {
    // 1. The leader of epoch 7 registers it.
    assert.ok(await waitUntil(() => conns[0]?.got.some((m) => m.type === 'register') === true, tm, 30_000), tm.out.stderr);
    const first = conns[0]!;
    send(first.conn, { type: 'registered', tmId: 'tm-1', epoch: '7' });
    assert.ok(await waitUntil(() => /registered with the JobManager .* as tm-1/.test(tm.out.stderr), tm, 10_000), tm.out.stderr);
    // 2. A deployment of epoch 3 (a stale leader's) is refused: no bundle is asked for. One of epoch 7, sent after it on the same
    //    ordered connection, is taken: the TaskManager asks for its bundle (and reports the deployment failed when there is none).
    send(first.conn, { type: 'deploy-exec', epoch: '3', deployment: deployment(1, 'a'.repeat(64)) });
    send(first.conn, { type: 'command', epoch: '3', exec: 1, command: { type: 'start' } });
    send(first.conn, { type: 'deploy-exec', epoch: '7', deployment: deployment(2, 'b'.repeat(64)) });
    assert.ok(await waitUntil(() => first.got.some((m) => m.type === 'get-bundle'), tm, 10_000), tm.out.stderr);
    assert.deepEqual(first.got.filter((m) => m.type === 'get-bundle').map((m) => (m as { hash: string }).hash), ['b'.repeat(64)]);
    assert.match(tm.out.stderr, /refused deploy-exec of execution 1 from the JobManager at 127\.0\.0\.1:\d+: its epoch 3 is older than epoch 7 this TaskManager has seen \(a stale leader\)/);
    assert.match(tm.out.stderr, /refused command of execution 1 .*epoch 3 is older than epoch 7/);
    send(first.conn, { type: 'bundle', hash: 'b'.repeat(64), bytes: undefined });
    assert.ok(await waitUntil(() => first.got.some((m) => m.type === 'event' && m.exec === 2 && m.event.type === 'failed'), tm, 10_000), tm.out.stderr);

    // 3. That JobManager goes away; the next one to answer registers it with epoch 5: older than 7, so the TaskManager leaves it.
    first.conn.close('test: leader gone');
    assert.ok(await waitUntil(() => conns[1]?.got.some((m) => m.type === 'register') === true, tm, 30_000), tm.out.stderr);
    const stale = conns[1]!;
    send(stale.conn, { type: 'registered', tmId: 'tm-2', epoch: '5' });
    assert.ok(await waitUntil(() => stale.closed !== undefined, tm, 10_000), 'the TaskManager left the stale JobManager');
    assert.match(tm.out.stderr, /refused registered from the JobManager at .*: its epoch 5 is older than epoch 7/);
    assert.doesNotMatch(tm.out.stderr, /as tm-2/);

    // 4. A newer leader (epoch 8) is followed.
    assert.ok(await waitUntil(() => conns[2]?.got.some((m) => m.type === 'register') === true, tm, 30_000), tm.out.stderr);
    send(conns[2]!.conn, { type: 'registered', tmId: 'tm-3', epoch: '8' });
    assert.ok(await waitUntil(() => /registered with the JobManager .* as tm-3/.test(tm.out.stderr), tm, 10_000), tm.out.stderr);
  } finally {
    tm.kill('SIGKILL');
    for (const c of conns) c.conn.close('test over');
    server.close();
    removeDir(dir);
  }
});
