// Async I/O through weir run against an HTTP server this test runs on 127.0.0.1: retries, and exactly once through kill -9 and --restore latest.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { readOutputLines, removeDir, runWeir, signalAfterNextCheckpoint, startWeir, tempDir, waitFor } from './helpers.ts';

const JOB = 'test/integration/jobs/async-enrich-job.ts';

/** GET /enrich?id=N answers `v<3N>` after (N mod 13) ms; the first request of every id ≡ 0 mod 50 gets a 503. */
async function startService(): Promise<{ server: Server; url: string; requests: Map<number, number>; maxConcurrent: () => number }> {
  const requests = new Map<number, number>();
  let concurrent = 0;
  let max = 0;
  const server = createServer((req, res) => {
    const id = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('id'));
    const n = (requests.get(id) ?? 0) + 1;
    requests.set(id, n);
    concurrent++;
    max = Math.max(max, concurrent);
    setTimeout(() => {
      concurrent--;
      if (id % 50 === 0 && n === 1) { res.writeHead(503).end('busy'); return; }
      res.writeHead(200, { 'content-type': 'text/plain' }).end(`v${id * 3}`);
    }, id % 13);
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}`, requests, maxConcurrent: () => max };
}

function stop(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

function checkExactlyOnce(lines: string[], count: number): string[] {
  const problems: string[] = [];
  const seen = new Set<number>();
  for (const line of lines) {
    const [idText, value] = line.split(',');
    const id = Number(idText);
    if (value !== `v${id * 3}`) problems.push(`bad line ${line}`);
    if (seen.has(id)) problems.push(`id ${id} written twice`);
    seen.add(id);
  }
  for (let i = 0; i < count; i++) if (!seen.has(i)) problems.push(`id ${i} missing`);
  return problems.slice(0, 20);
}

test('async I/O through weir run: every record enriched once, 503s retried, capacity respected per subtask', { timeout: 120_000 }, async () => {
  const dir = tempDir('async-io');
  const service = await startService();
  try {
    const count = 2000;
    const r = await runWeir(['run', JOB, '--service-url', service.url, '--output', join(dir, 'out'), '--count', String(count),
      '--rate', '20000', '--capacity', '8', '--parallelism', '2', '--ordered', '--no-progress']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(checkExactlyOnce(readOutputLines(join(dir, 'out')), count), []);
    assert.equal(service.requests.get(50), 2, 'the 503 was retried once');
    assert.equal(service.requests.get(51), 1);
    assert.ok(service.maxConcurrent() <= 16, `at most capacity (8) per subtask in flight, saw ${service.maxConcurrent()}`);
  } finally {
    await stop(service.server);
    removeDir(dir);
  }
});

test('async I/O killed with kill -9 and resumed with --restore latest: requests in flight are re-issued, output exactly once', { timeout: 240_000 }, async (t) => {
  const dir = tempDir('async-io-kill');
  const service = await startService();
  try {
    const count = 8000;
    const args = ['run', JOB, '--service-url', service.url, '--output', join(dir, 'out'), '--count', String(count), '--rate', '1500',
      '--capacity', '30', '--parallelism', '2', '--checkpoint-dir', join(dir, 'cp'), '--checkpoint-interval', '150', '--restore', 'latest', '--no-progress'];
    let kills = 0;
    for (let attempt = 0; attempt < 20; attempt++) {
      const child = startWeir(args);
      if (kills < 3) void signalAfterNextCheckpoint(child, join(dir, 'cp', 'async-enrich'), 'SIGKILL', 40 + attempt * 90);
      const r = await waitFor(child, 120_000);
      if (r.signal === 'SIGKILL') { kills++; continue; }
      assert.equal(r.code, 0, r.stderr);
      break;
    }
    t.diagnostic(`killed ${kills} times; ${[...service.requests.values()].filter((n) => n > 1).length} ids requested more than once`);
    assert.ok(kills >= 1, 'the run must have been killed mid-way');
    assert.deepEqual(checkExactlyOnce(readOutputLines(join(dir, 'out')), count), []);
  } finally {
    await stop(service.server);
    removeDir(dir);
  }
});

test('examples/async-enrichment.ts: starts its own service, every order enriched once (503s retried, nothing timed out)', { timeout: 120_000 }, async () => {
  const dir = tempDir('async-enrichment');
  try {
    const count = 1500;
    const r = await runWeir(['run', 'examples/async-enrichment.ts', '--output', join(dir, 'out'), '--count', String(count), '--parallelism', '2',
      '--latency-ms', '5', '--timeout-ms', '30000', '--no-progress']);
    assert.equal(r.code, 0, r.stderr);
    const lines = readOutputLines(join(dir, 'out'));
    const byId = new Map(lines.map((l) => [Number(l.split(',')[0]), l]));
    assert.equal(lines.length, count);
    assert.equal(byId.size, count);
    for (let i = 0; i < count; i++) {
      const c = i % 100;
      assert.equal(byId.get(i), `${i},${c},customer-${c},${c % 10 === 0 ? 'gold' : 'standard'},${i % 997}`);
    }
  } finally {
    removeDir(dir);
  }
});
