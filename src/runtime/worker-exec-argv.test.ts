// startWorker: a worker starts under this process's Node options less those Node refuses in a worker, with its transfer list intact.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { refusedExecArgv } from './worker-exec-argv.ts';

test('refusedExecArgv: the entries Node names, only those', () => {
  const argv = ['--import', 'tsx', '--max-old-space-size=64', '--expose-gc'];
  assert.deepEqual([...refusedExecArgv('Initiated Worker with invalid execArgv flags: --max-old-space-size=64, --expose-gc', argv)], ['--max-old-space-size=64', '--expose-gc']);
  assert.deepEqual([...refusedExecArgv('Initiated Worker with invalid execArgv flags: --something-else', argv)], []);
  assert.deepEqual([...refusedExecArgv('a message of another form', argv)], []);
});

test('under node --stack-size --expose-gc --import tsx: two workers start (the first after Node refused the options), get their transferred ports and keep the --import options', { timeout: 60_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'weir-exec-argv-'));
  try {
    const script = join(dir, 'main.mts');
    const module = pathToFileURL(join(import.meta.dirname, 'worker-exec-argv.ts')).href;
    // A preload that marks the thread: it runs in a worker only if the --import kept in its execArgv reached it.
    const preload = join(dir, 'preload.mjs');
    writeFileSync(preload, 'globalThis.preloaded = true;\n');
    const worker = join(dir, 'worker.mjs');
    writeFileSync(worker, [
      "import { workerData } from 'node:worker_threads';",
      'workerData.port.postMessage(`pong ${workerData.n} ${globalThis.preloaded === true} ${typeof globalThis.gc}`);',
      'workerData.port.close();',
    ].join('\n'));
    writeFileSync(script, [
      "import { MessageChannel } from 'node:worker_threads';",
      `import { startWorker } from ${JSON.stringify(module)};`,
      'for (const n of [1, 2]) {',
      '  const { port1, port2 } = new MessageChannel();',
      `  startWorker(${JSON.stringify(worker)}, { workerData: { port: port2, n }, transferList: [port2] });`,
      '  const m = await new Promise((resolve) => port1.once("message", resolve));',
      '  console.log(m);',
      '  port1.close();',
      '}',
    ].join('\n'));
    const r = spawnSync(process.execPath, ['--stack-size=2000', '--expose-gc', '--import', 'tsx', '--import', pathToFileURL(preload).href, script], { encoding: 'utf8', timeout: 50_000 });
    assert.equal(r.status, 0, r.stderr);
    // gc is there in the workers too: V8's flags are the process's, whatever a worker's execArgv says.
    assert.equal(r.stdout, 'pong 1 true function\npong 2 true function\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
