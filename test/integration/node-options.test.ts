// Node's own options before bin/weir (`node --max-old-space-size=… bin/weir run …`): the job runs on worker threads
// under them, although Node refuses V8's and per-process options in a worker's execArgv (runtime/worker-exec-argv.ts).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runWeir, startWeir, tempDir, waitFor, removeDir } from './helpers.ts';

test('node --max-old-space-size --stack-size --expose-gc bin/weir run: the word count runs on its threads and counts right', { timeout: 120_000 }, async () => {
  const dir = tempDir('node-options');
  try {
    const input = join(dir, 'in.txt');
    const lines: string[] = [];
    for (let i = 0; i < 3000; i++) lines.push(`w${i % 7} w${i % 5} shared`);
    writeFileSync(input, `${lines.join('\n')}\n`);
    const out = join(dir, 'out');
    const r = await runWeir(['run', 'examples/wordcount.ts', '--input', input, '--output', out, '--parallelism', '2', '--runtime-mode', 'BATCH', '--no-progress'], {
      timeoutMs: 60_000, nodeArgs: ['--max-old-space-size=512', '--stack-size=2000', '--expose-gc'],
    });
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /ERR_WORKER_INVALID_EXEC_ARGV|invalid execArgv/);
    const counts = new Map<string, number>();
    for (const f of readdirSync(out).filter((n) => n.startsWith('part-'))) {
      for (const line of readFileSync(join(out, f), 'utf8').split('\n').filter(Boolean)) {
        const [word, n] = line.split('\t');
        counts.set(word!, Number(n));
      }
    }
    const expected = new Map<string, number>([['shared', 3000]]);
    for (let i = 0; i < 3000; i++) for (const w of [`w${i % 7}`, `w${i % 5}`]) expected.set(w, (expected.get(w) ?? 0) + 1);
    assert.deepEqual([...counts].sort(), [...expected].sort());
  } finally {
    removeDir(dir);
  }
});

test('node --max-old-space-size=64 bin/weir run: the slot threads run under that limit, and running out is a named failure, not a crash', { timeout: 120_000 }, async () => {
  // More keys than 64 MB holds on the heap state backend (src/batch/heap-guard.test.ts runs the same job inline).
  const r = await runWeir(['run', 'bench/jobs/batch-spill.ts', '--keys', '2000000', '--mode', 'streaming', '--no-progress'], {
    timeoutMs: 100_000, nodeArgs: ['--max-old-space-size=64'],
  });
  assert.equal(r.code, 1, r.stderr);
  assert.equal(r.signal, null);
  assert.doesNotMatch(r.stderr, /FATAL ERROR|invalid execArgv/);
  // Either the heap guard in the thread fired, or Node stopped the thread at the limit: both are reported alike.
  assert.match(r.stderr, /weir: error \[WEIR_OUT_OF_MEMORY\]: out of memory: /);
  assert.match(r.stderr, /raise the heap \(node --max-old-space-size/i);
  assert.doesNotMatch(r.stderr, /WEIR_WORKER_CRASHED/);
});

for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
test(`node --max-old-space-size bin/weir cluster start: the JobManager and TaskManager processes run under the same options, and stop when it ends by ${signal}`, { timeout: 120_000 }, async () => {
  const cluster = startWeir(['cluster', 'start', '--taskmanagers', '1', '--slots', '1'], undefined, ['--max-old-space-size=300']);
  let children: string[] = [];
  const alive = (pid: string): boolean => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').length > 0;
    } catch {
      return false;
    }
  };
  try {
    await new Promise<void>((resolveUp, reject) => {
      const timer = setTimeout(() => reject(new Error(`no cluster line within 60 s: ${cluster.out.stderr}`)), 60_000);
      const check = (): void => {
        if (!/weir cluster: JobManager at \S+, 1 TaskManager/.test(cluster.out.stdout)) return;
        clearTimeout(timer);
        resolveUp();
      };
      cluster.stdout!.on('data', check);
      check();
      cluster.once('exit', (code) => { clearTimeout(timer); reject(new Error(`weir cluster exited (${code}): ${cluster.out.stderr}`)); });
    });
    // Its children, from Linux's process table, and each one's command line (a child just forked shows its
    // parent's until it has exec'd: read until both show their role).
    let commands: string[][] = [];
    let roles: (string | undefined)[] = [];
    for (const deadline = Date.now() + 15_000; ;) {
      // (esbuild's service process is a child too when this run bundled the engine: not one of the cluster's.)
      const all = readFileSync(`/proc/${cluster.pid}/task/${cluster.pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
      const lines = all.map((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0'));
      const role = (c: string[]): string | undefined => c.find((a) => a === 'jobmanager' || a === 'taskmanager');
      children = all.filter((_, i) => role(lines[i]!) !== undefined || !lines[i]!.some((a) => a.includes('esbuild')));
      commands = lines.filter((c) => role(c) !== undefined || !c.some((a) => a.includes('esbuild')));
      roles = commands.map(role).sort();
      if (roles.join() === 'jobmanager,taskmanager' || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.deepEqual(roles, ['jobmanager', 'taskmanager'], JSON.stringify(commands));
    for (const c of commands) {
      const flag = c.indexOf('--max-old-space-size=300');
      assert.ok(flag > 0 && flag < c.findIndex((a) => a.endsWith('/weir')), `the option comes before the script: ${JSON.stringify(c)}`);
    }
    // SIGTERM: it stops them; SIGKILL: they see their stdin pipe from it close, and stop themselves.
    cluster.kill(signal);
    await waitFor(cluster, 30_000);
    const deadline = Date.now() + 10_000;
    while (children.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(children.filter(alive), [], 'the JobManager and the TaskManager stopped');
  } finally {
    if (cluster.exitCode === null) cluster.kill('SIGKILL');
    for (const pid of children) if (alive(pid)) process.kill(Number(pid), 'SIGKILL');
    // The token it made (a SIGKILL leaves it: only the starter removes it).
    const token = /--token-file (\S+)\/token/.exec(cluster.out.stdout)?.[1];
    if (token !== undefined && token.includes('weir-cluster-')) rmSync(token, { recursive: true, force: true });
  }
});
}
