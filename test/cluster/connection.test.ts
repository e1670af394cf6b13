// The framed, authenticated connection: handshake both ways, wrong token and strangers refused and logged, frames across chunk borders.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, connect, type Server } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { acceptConnections, createClusterServer, dial, type Connection } from '../../src/cluster/connection.ts';
import { hasOpenssl, makePki, tlsFiles } from './tls-fixtures.ts';
import { encodeFrame, FrameDecoder, FrameKind } from '../../src/cluster/frame.ts';

const TOKEN = Buffer.from('a-test-token-of-enough-length');
const HB = { intervalMs: 100, timeoutMs: 1000 };

async function server(onConnection: (c: Connection) => void): Promise<{ server: Server; port: number; log: string[] }> {
  const log: string[] = [];
  const s = createServer();
  acceptConnections(s, { token: TOKEN, role: 'jobmanager', heartbeat: HB, info: { name: 'jm' }, log: (l) => log.push(l), onConnection });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return { server: s, port: (s.address() as { port: number }).port, log };
}

test('frames split at every byte border decode to the same frames', () => {
  const frames = [encodeFrame(FrameKind.Control, Buffer.from('hello')), encodeFrame(FrameKind.Heartbeat, Buffer.alloc(0)), encodeFrame(FrameKind.LinkData, Buffer.alloc(300, 7))];
  const all = Buffer.concat(frames);
  for (let cut = 0; cut <= all.length; cut++) {
    const got: [number, number][] = [];
    const d = new FrameDecoder(1000);
    d.push(all.subarray(0, cut), (k, p) => got.push([k, p.length]));
    d.push(all.subarray(cut), (k, p) => got.push([k, p.length]));
    assert.deepEqual(got, [[FrameKind.Control, 5], [FrameKind.Heartbeat, 0], [FrameKind.LinkData, 300]]);
  }
});

test('the right token: both sides authenticated, control and link frames cross, heartbeats keep it open', async () => {
  let accepted: Connection | undefined;
  const got: unknown[] = [];
  const { server: s, port } = await server((c) => {
    accepted = c;
    c.onControl = (m) => got.push(m);
    c.onLink = (kind, exec, dst, src, channel, payload) => got.push({ kind, exec, dst, src, channel, bytes: [...payload] });
  });
  try {
    const c = await dial('127.0.0.1', port, { token: TOKEN, role: 'taskmanager', heartbeat: HB, info: { id: 'tm-x' } });
    assert.equal(c.peerRole, 'jobmanager');
    assert.deepEqual(c.peerInfo, { name: 'jm' });
    c.sendControl({ type: 'x', data: new Uint8Array([1, 2, 3]) });
    c.sendLink(FrameKind.LinkData, 7, 3, 1, 99, new Uint8Array([9, 8]));
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(accepted?.peerRole, 'taskmanager');
    assert.deepEqual(accepted?.peerInfo, { id: 'tm-x' });
    assert.deepEqual(got, [{ type: 'x', data: new Uint8Array([1, 2, 3]) }, { kind: FrameKind.LinkData, exec: 7, dst: 3, src: 1, channel: 99, bytes: [9, 8] }]);
    assert.equal(c.closed, false, 'heartbeats keep an idle connection open past several intervals');
    c.close('test done');
  } finally {
    accepted?.close('test done');
    s.close();
  }
});

test('a wrong token is refused on both sides and logged; the token never crosses the wire', async () => {
  const { server: s, port, log } = await server(() => assert.fail('must not be accepted'));
  try {
    await assert.rejects(dial('127.0.0.1', port, { token: Buffer.from('another-token-of-enough-length'), role: 'client', heartbeat: HB }), /does not know the cluster token|refused/);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(log.length, 1);
    assert.match(log[0]!, /refused connection from 127\.0\.0\.1:\d+: authentication failed \(wrong cluster token\)/);
  } finally {
    s.close();
  }
});

test('a plain TCP client (HTTP request) is refused and logged; a silent one after the handshake timeout', async () => {
  const { server: s, port, log } = await server(() => assert.fail('must not be accepted'));
  try {
    const sent: Buffer[] = [];
    await new Promise<void>((resolve) => {
      const c = connect(port, '127.0.0.1', () => c.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
      c.on('data', (d) => sent.push(d));
      c.on('close', () => resolve());
      c.on('error', () => {});
    });
    assert.equal(Buffer.concat(sent).length, 0, 'a stranger gets nothing back');
    assert.equal(log.length, 1);
    assert.match(log[0]!, /refused connection from 127\.0\.0\.1:\d+: not a Weir cluster peer \(bad frame length/);
    // The token never appears in anything a dialer with the wrong token sees.
    const seen: Buffer[] = [];
    await new Promise<void>((resolve) => {
      const c = connect(port, '127.0.0.1', () => c.write(encodeFrame(FrameKind.Hello, Buffer.from(JSON.stringify({ magic: 'weir-cluster', role: 'client', nonce: '0123456789abcdef0123' })))));
      c.on('data', (d) => { seen.push(d); c.write(encodeFrame(FrameKind.Response, Buffer.from(JSON.stringify({ proof: 'x' })))); });
      c.on('close', () => resolve());
      c.on('error', () => {});
    });
    assert.ok(!Buffer.concat(seen).includes(TOKEN), 'the token is not on the wire');
    assert.match(log[1]!, /wrong cluster token/);
  } finally {
    s.close();
  }
});

test('TLS under the token handshake: members with certificates of the cluster CA connect; a stranger certificate and plain TCP are refused and logged', { skip: hasOpenssl ? false : 'needs openssl(1) for test certificates' }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'weir-tls-'));
  try {
    const pki = makePki(dir);
    const log: string[] = [];
    const s = createClusterServer(tlsFiles(pki));
    let accepted: Connection | undefined;
    const got: unknown[] = [];
    acceptConnections(s, { token: TOKEN, tls: tlsFiles(pki), role: 'jobmanager', heartbeat: HB, log: (l) => log.push(l), onConnection: (c) => { accepted = c; c.onControl = (m) => got.push(m); } });
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    const port = (s.address() as { port: number }).port;
    try {
      const c = await dial('127.0.0.1', port, { token: TOKEN, tls: tlsFiles(pki), role: 'client', heartbeat: HB });
      c.sendControl({ type: 'over-tls' });
      await new Promise((r) => setTimeout(r, 200));
      assert.deepEqual(got, [{ type: 'over-tls' }]);
      assert.equal((c.socket as unknown as { encrypted?: boolean }).encrypted, true);
      c.close('done');
      await assert.rejects(dial('127.0.0.1', port, { token: TOKEN, tls: tlsFiles(pki, true), role: 'client', heartbeat: HB }));
      await new Promise<void>((resolve) => {
        const p = connect(port, '127.0.0.1', () => p.write('GET / HTTP/1.1\r\n\r\n'));
        p.on('close', () => resolve());
        p.on('error', () => resolve());
      });
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(log.filter((l) => /refused connection from .+: TLS handshake failed/.test(l)).length, 2, log.join('\n'));
    } finally {
      accepted?.close('done');
      s.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
