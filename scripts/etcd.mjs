// Starts a real single-node etcd (/usr/bin/etcd) on free loopback ports with a temporary data directory, for tests and trials.
//
// As a module: `const etcd = await startEtcd(); … etcd.endpoint … await etcd.stop();`
// As a command: `node scripts/etcd.mjs` starts one, prints its endpoint, and stops it (removing
// its data directory) on Ctrl-C / SIGTERM.
//
// Ports are picked by binding port 0 on 127.0.0.1 and closing it again; another process may take
// the port in between, so a start that fails on a taken address is retried with new ports (at
// most 4 times). Nothing listens beyond loopback.

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ETCD_BINARY = process.env.WEIR_ETCD_BINARY ?? '/usr/bin/etcd';

/** Why etcd-based tests cannot run here, or undefined when they can. */
export function etcdUnavailable() {
  if (!existsSync(ETCD_BINARY)) return `${ETCD_BINARY} is missing (install Debian's etcd-server: apt-get install etcd-server)`;
  return undefined;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(address.port));
    });
  });
}

async function healthy(endpoint) {
  try {
    const response = await fetch(`${endpoint}/health`, { signal: AbortSignal.timeout(1000) });
    const body = await response.json();
    return body.health === 'true';
  } catch {
    return false;
  }
}

/**
 * Starts etcd and resolves once `/health` answers true.
 * @param {{ timeoutMs?: number, name?: string }} [options]
 * @returns {Promise<{ endpoint: string, clientPort: number, peerPort: number, dataDir: string, pid: number, log: () => string, stop: () => Promise<void> }>}
 */
export async function startEtcd(options = {}) {
  const missing = etcdUnavailable();
  if (missing !== undefined) throw new Error(`cannot start etcd: ${missing}`);
  let lastError;
  for (let attempt = 0; attempt < 4; attempt++) {
    try {
      return await startOnce(options);
    } catch (error) {
      lastError = error;
      if (!/address already in use/.test(String(error.message))) break;
    }
  }
  throw lastError;
}

async function startOnce({ timeoutMs = 15_000, name = 'weir-test' }) {
  const clientPort = await freePort();
  let peerPort = await freePort();
  while (peerPort === clientPort) peerPort = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'weir-etcd-'));
  const endpoint = `http://127.0.0.1:${clientPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  const child = spawn(ETCD_BINARY, [
    '--name', name,
    '--data-dir', dataDir,
    '--listen-client-urls', endpoint,
    '--advertise-client-urls', endpoint,
    '--listen-peer-urls', peer,
    '--initial-advertise-peer-urls', peer,
    '--initial-cluster', `${name}=${peer}`,
    '--initial-cluster-state', 'new',
    '--logger', 'zap',
    '--log-level', 'warn',
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr.setEncoding('utf8').on('data', (d) => { log = (log + d).slice(-20_000); });
  let exited = null;
  const exit = new Promise((resolve) => child.on('exit', (code, signal) => { exited = { code, signal }; resolve(); }));
  const spawnError = new Promise((resolve) => child.on('error', (error) => { exited = { error }; resolve(); }));

  const stop = async () => {
    if (exited === null) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await Promise.race([exit, spawnError]);
      clearTimeout(killer);
    }
    rmSync(dataDir, { recursive: true, force: true });
  };

  const deadline = Date.now() + timeoutMs;
  while (true) {
    if (exited !== null) {
      await stop();
      throw new Error(`etcd exited before it was healthy (${JSON.stringify(exited)}): ${log.slice(-2000)}`);
    }
    if (await healthy(endpoint)) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`etcd was not healthy within ${timeoutMs} ms at ${endpoint}: ${log.slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { endpoint, clientPort, peerPort, dataDir, pid: child.pid, log: () => log, stop };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const etcd = await startEtcd();
  process.stdout.write(`etcd ${etcd.endpoint} (pid ${etcd.pid}, data ${etcd.dataDir}); Ctrl-C stops it\n`);
  const shutdown = async () => { await etcd.stop(); process.exit(0); };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}
