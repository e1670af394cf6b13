// ThreadTaskManager with standby threads (bin/weir starts them at launch): one that died before it was given its slot
// is reported as a failure of that slot, naming it as started at launch; the others are used as usual.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MessageChannel, Worker } from 'node:worker_threads';
import type { SlotToManager } from './protocol.ts';
import { ThreadTaskManager, type StandbyWorker } from './task-manager.ts';

/** A standby thread as bin/weir makes one, running `code` instead of the worker script. */
function standby(code: string): StandbyWorker & { exited: Promise<void> } {
  const { port1, port2 } = new MessageChannel();
  const worker = new Worker(code, { eval: true, workerData: { weirStandby: port2 }, transferList: [port2], stdout: true, stderr: true });
  let exited!: () => void;
  const w = {
    worker, control: port1, early: undefined as StandbyWorker['early'], exited: new Promise<void>((r) => { exited = r; }),
    detach: () => { worker.off('error', onError); worker.off('exit', onExit); },
  };
  const onError = (e: Error): void => { w.early ??= { error: e }; };
  const onExit = (exitCode: number): void => { w.early ??= { exitCode }; exited(); };
  worker.on('error', onError);
  worker.on('exit', onExit);
  return w;
}

for (const [what, code, message] of [
  ['crashed', "throw new Error('cannot load the bundle')", /^worker thread of slot 0 \(started at launch, before the job was ready\) crashed: cannot load the bundle$/],
  ['exited', 'process.exit(3)', /^worker thread of slot 0 \(started at launch, before the job was ready\) exited \(exit code 3\)$/],
] as const) {
  test(`a standby thread that ${what} before it got its slot fails that slot, named as started at launch`, async () => {
    const dead = standby(code);
    await dead.exited;
    const pool = [dead];
    const tm = new ThreadTaskManager({ numSlots: 1, workerScript: '/nonexistent/worker.mjs', jobArgs: [], defaults: {}, standby: { take: () => pool.shift() } });
    const events: SlotToManager[] = [];
    const failed = new Promise<void>((resolve) => {
      void tm.start((e) => { events.push(e); if (e.type === 'failed') resolve(); });
    });
    await failed;
    assert.equal(pool.length, 0, 'the standby thread was taken for slot 0');
    assert.equal(events.length, 1);
    const event = events[0]!;
    assert.equal(event.type, 'failed');
    if (event.type !== 'failed') return;
    assert.equal(event.slot, 0);
    assert.match(event.error.message, message);
    assert.equal(event.error.code, what === 'crashed' ? 'WEIR_WORKER_CRASHED' : 'WEIR_WORKER_EXITED');
    await tm.shutdown();
  });
}
