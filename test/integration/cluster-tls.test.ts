// Cluster mode with mutual TLS under the token handshake: control and data connections encrypted, word count exact.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readOutputLines, removeDir, runWeir, tempDir } from './helpers.ts';
import { CLUSTER_ENV, startCluster } from './cluster-helpers.ts';
import { hasOpenssl, makePki } from '../cluster/tls-fixtures.ts';

test('wordcount on 2 TaskManagers over mutual TLS; a client without certificates is refused', { timeout: 180_000, skip: hasOpenssl ? false : 'needs openssl(1) for test certificates' }, async () => {
  const dir = tempDir('cluster-tls');
  const pki = makePki(dir);
  const tls = ['--tls-cert', pki.cert, '--tls-key', pki.key, '--tls-ca', pki.ca];
  const cluster = await startCluster({ taskmanagers: 2, slots: 1, cacheDir: join(dir, 'cache'), commonArgs: tls });
  try {
    const input = join(dir, 'in.txt');
    writeFileSync(input, `${Array.from({ length: 500 }, (_, i) => `a b${i % 7} c${i % 3} a`).join('\n')}\n`);
    const r = await runWeir(['run', 'examples/wordcount.ts', '--jobmanager', cluster.address, ...tls, '--input', input, '--output', join(dir, 'out'), '-p', '2', '--no-progress'], { env: CLUSTER_ENV, timeoutMs: 120_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /attempt deployed on tm-\d\[\d\] tm-\d\[\d\]/);
    const max = new Map<string, number>();
    for (const line of readOutputLines(join(dir, 'out'))) {
      const [w, c] = line.split('\t') as [string, string];
      max.set(w, Math.max(max.get(w) ?? 0, Number(c)));
    }
    assert.equal(max.get('a'), 1000);
    assert.equal(max.get('c0'), 167);
    assert.equal([...max.values()].reduce((a, b) => a + b, 0), 2000);
    const plain = await runWeir(['list', '--jobmanager', cluster.address], { env: CLUSTER_ENV });
    assert.equal(plain.code, 1);
    assert.match(cluster.jobmanager.out.stderr, /refused connection from .+: TLS handshake failed/);
  } finally {
    await cluster.stop();
    removeDir(dir);
  }
});
