// The cluster commands of `weir`: jobmanager, taskmanager, cluster start, list, cancel, stop, savepoint (and run --jobmanager).

import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { ConfigError } from '../core/errors.ts';
import { createLogger } from '../cli/logging.ts';
import { DEFAULT_WEB_PORT } from '../cli/options.ts';
import type { WebServer } from '../web/server.ts';
import { startTaskManagerMetricsServer, type TaskManagerMetricsServer } from './task-manager-metrics.ts';
import type { RunOptions } from '../cli/options.ts';
import { controlJob, formatJobs, listJobs, submitJob, type ClientOptions } from './client.ts';
import { DEFAULT_HEARTBEAT, type HeartbeatSettings, type TlsFiles } from './connection.ts';
import { ClusterJobManagerServer } from './job-manager-server.ts';
import type { HostPort } from './messages.ts';
import { ClusterTaskManagerServer } from './task-manager-server.ts';
import { loadClusterToken, TOKEN_ENV } from './token.ts';
import { haJobManager, leaderResolver } from '../ha/cluster-ha.ts';
import { parseHaConfig, type HaConfig } from '../ha/ha-config.ts';

export const DEFAULT_JOBMANAGER_PORT = 6123;
export const CLUSTER_COMMANDS: readonly string[] = ['jobmanager', 'taskmanager', 'cluster', 'list', 'cancel', 'stop', 'savepoint'];

export const CLUSTER_HELP = `Cluster commands (docs/cluster.md; every process needs the same token: ${TOKEN_ENV} or --token-file):
  jobmanager [--bind host:port] [--slot-timeout ms]          the JobManager (default 127.0.0.1:${DEFAULT_JOBMANAGER_PORT})
             [--web [port]] [--web-host H]                  REST API, dashboard, /metrics (default port 8081, host 127.0.0.1; token required)
  taskmanager --jobmanager host:port [--slots N] [--bind host] [--data-port P]
             [--metrics-port P] [--metrics-host H]          Prometheus /metrics of its subtasks (host 127.0.0.1; token required)
  cluster start --taskmanagers N --slots K [--port P]       a local standalone cluster on loopback
  run <job.ts> --jobmanager host:port [--detached] …        run a job on a cluster
  list | cancel <job> | stop <job> | savepoint <job>  [--jobmanager host:port]
HA (docs/ha.md): --ha etcd --ha-endpoints URLs [--ha-cluster-id ID] [--ha-lease-ttl S]; jobmanager also --ha-storage-dir D (shared);
  taskmanager, run, list, … then find the leader through etcd instead of --jobmanager
Common: --token-file F, --tls-cert F --tls-key F --tls-ca F (mutual TLS, all three or none), --heartbeat-interval ms (default ${DEFAULT_HEARTBEAT.intervalMs}), --heartbeat-timeout ms (default ${DEFAULT_HEARTBEAT.timeoutMs}), --cache-dir D
`;

interface Parsed {
  readonly flags: Map<string, string>;
  readonly positional: string[];
}

const HA_VALUE_FLAGS = ['ha', 'ha-endpoints', 'ha-cluster-id', 'ha-lease-ttl', 'ha-storage-dir'];
/** Flags whose value may be left out (`--web` alone: the default port); a following argument is theirs only when it is a number. */
const OPTIONAL_VALUE_FLAGS = new Set(['web']);
const VALUE_FLAGS = new Set(['web', 'web-host', 'metrics-port', 'metrics-host', 'tls-cert', 'tls-key', 'tls-ca', 'bind', 'jobmanager', 'slots', 'data-port', 'token-file', 'heartbeat-interval', 'heartbeat-timeout', 'cache-dir', 'slot-timeout', 'taskmanagers', 'port', ...HA_VALUE_FLAGS]);
const BOOL_FLAGS = new Set(['help']);

function parse(command: string, args: readonly string[], allowed: readonly string[]): Parsed {
  const flags = new Map<string, string>();
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '-h') { flags.set('help', 'true'); continue; }
    if (!a.startsWith('--')) { positional.push(a); continue; }
    const eq = a.indexOf('=');
    const name = eq < 0 ? a.slice(2) : a.slice(2, eq);
    if (!allowed.includes(name) || (!VALUE_FLAGS.has(name) && !BOOL_FLAGS.has(name))) {
      throw new ConfigError(`weir ${command}: unknown option --${name} (weir help)`);
    }
    if (BOOL_FLAGS.has(name)) { flags.set(name, 'true'); continue; }
    if (OPTIONAL_VALUE_FLAGS.has(name) && eq < 0) {
      const next = args[i + 1];
      flags.set(name, next !== undefined && /^\d+$/.test(next) ? args[++i]! : '');
      continue;
    }
    const value = eq < 0 ? args[++i] : a.slice(eq + 1);
    if (value === undefined) throw new ConfigError(`weir ${command}: --${name} needs a value`);
    flags.set(name, value);
  }
  return { flags, positional };
}

function int(command: string, flags: Map<string, string>, name: string, fallback: number, min = 1): number {
  const v = flags.get(name);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new ConfigError(`weir ${command}: --${name} must be an integer ≥ ${min}, got "${v}"`);
  return n;
}

export function parseHostPort(setting: string, value: string, defaultPort?: number): HostPort {
  const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(value);
  const port = m?.[2] !== undefined ? Number(m[2]) : defaultPort;
  if (!m || port === undefined || port > 65535) throw new ConfigError(`${setting}: expected host:port, got "${value}"`);
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port };
}

function heartbeat(command: string, flags: Map<string, string>): HeartbeatSettings {
  const intervalMs = int(command, flags, 'heartbeat-interval', DEFAULT_HEARTBEAT.intervalMs);
  const timeoutMs = int(command, flags, 'heartbeat-timeout', DEFAULT_HEARTBEAT.timeoutMs);
  if (timeoutMs <= intervalMs) throw new ConfigError(`weir ${command}: --heartbeat-timeout (${timeoutMs} ms) must be longer than --heartbeat-interval (${intervalMs} ms)`);
  return { intervalMs, timeoutMs };
}

/** `--tls-cert`, `--tls-key`, `--tls-ca`: all three (mutual TLS for every connection) or none. */
export function loadTls(command: string, flags: ReadonlyMap<string, string | undefined>): TlsFiles | undefined {
  const names = ['tls-cert', 'tls-key', 'tls-ca'] as const;
  const given = names.filter((n) => flags.get(n) !== undefined);
  if (given.length === 0) return undefined;
  if (given.length !== 3) throw new ConfigError(`weir ${command}: TLS needs --tls-cert, --tls-key and --tls-ca together (missing ${names.filter((n) => !given.includes(n)).map((n) => `--${n}`).join(', ')})`);
  const read = (n: string): Buffer => {
    try {
      return readFileSync(flags.get(n)!);
    } catch (e) {
      throw new ConfigError(`weir ${command}: cannot read --${n} ${flags.get(n)}: ${(e as Error).message}`, e);
    }
  };
  return { cert: read('tls-cert'), key: read('tls-key'), ca: read('tls-ca') };
}

function cacheDir(flags: Map<string, string>): string {
  return resolve(flags.get('cache-dir') ?? join(tmpdir(), 'weir-cluster-cache'));
}

function logger(role: string): (line: string) => void {
  return (line) => process.stderr.write(`${new Date().toISOString()} weir ${role}: ${line}\n`);
}

/** Set by `weir cluster start` for its children: their stdin is a pipe from it, and its end means it is gone. */
const EXIT_WITH_PARENT_ENV = 'WEIR_EXIT_WITH_PARENT';

/**
 * Runs until SIGINT/SIGTERM, or, in a child of `weir cluster start`, until that process is gone (its end of the
 * stdin pipe closed: also after a SIGKILL, which it cannot pass on); returns the exit code.
 */
function untilSignal(stop: () => void): Promise<number> {
  return new Promise((r) => {
    let stopped = false;
    const on = (): void => {
      if (stopped) return;
      stopped = true;
      stop();
      r(0);
    };
    // `on`, not `once`: with the listener gone a later signal would end this process the default way.
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
    if (process.env[EXIT_WITH_PARENT_ENV] === '1') {
      const stdin = process.stdin;
      stdin.once('end', on);
      stdin.once('close', on);
      stdin.on('error', on);
      stdin.resume();
      // Only a watch: the process still ends when its work has stopped.
      (stdin as unknown as { unref?: () => void }).unref?.();
    }
  });
}

const COMMON = ['tls-cert', 'tls-key', 'tls-ca', 'token-file', 'heartbeat-interval', 'heartbeat-timeout', 'cache-dir', 'help', 'ha', 'ha-endpoints', 'ha-cluster-id', 'ha-lease-ttl'];

/** How long a TaskManager or client waits for etcd to name a leader before it says so (and, a TaskManager, tries again). */
const LEADER_LOOKUP_MS = 30_000;

function haConfig(command: string, flags: Map<string, string>): HaConfig {
  const picked = new Map<string, string>();
  for (const f of ['ha', 'ha-endpoints', 'ha-cluster-id', 'ha-lease-ttl']) if (flags.has(f)) picked.set(f, flags.get(f)!);
  return parseHaConfig(picked, `weir ${command}`);
}

/** `--web [port]` and `--web-host` of `weir jobmanager` (the same meaning as for `weir run`). */
function webOption(flags: Map<string, string>): { host: string; port: number } | undefined {
  const value = flags.get('web');
  if (value === undefined) {
    if (flags.has('web-host')) throw new ConfigError('weir jobmanager: --web-host needs --web');
    return undefined;
  }
  const port = value === '' ? DEFAULT_WEB_PORT : Number(value);
  if (!/^\d*$/.test(value) || !Number.isInteger(port) || port > 65535) throw new ConfigError(`weir jobmanager: --web takes a port 0..65535 (0 = any free port), got "${value}"`);
  return { host: flags.get('web-host') ?? '127.0.0.1', port };
}

/** Starts a server; a port in use or an address not available is a configuration error naming the setting. */
async function listenOrExplain<T>(setting: string, start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') throw new ConfigError(`${setting}: cannot listen (${code}): ${(e as Error).message}`, e);
    throw e;
  }
}

export async function clusterMain(command: string, args: readonly string[], weirScript: string, packageRoot?: string): Promise<number> {
  switch (command) {
    case 'jobmanager': {
      const { flags } = parse(command, args, [...COMMON, 'bind', 'slot-timeout', 'ha-storage-dir', 'web', 'web-host']);
      if (flags.has('help')) { process.stdout.write(CLUSTER_HELP); return 0; }
      const ha = haConfig(command, flags);
      const log = logger('jobmanager');
      let haHandle: ReturnType<typeof haJobManager> | undefined;
      if (ha.mode === 'etcd') {
        const storageDir = flags.get('ha-storage-dir');
        if (storageDir === undefined) throw new ConfigError('weir jobmanager: --ha etcd needs --ha-storage-dir (a directory every JobManager host reaches, where job bundles are kept for a successor)');
        haHandle = haJobManager(ha, {
          storageDir: resolve(storageDir), log,
          // Leadership is gone: end the process now, so it can never act as the leader again.
          onLost: (reason) => { log(`lost leadership: ${reason}; exiting (restart it to stand by again)`); process.exit(3); },
        });
      } else if (flags.has('ha-storage-dir')) {
        throw new ConfigError('weir jobmanager: --ha-storage-dir needs --ha etcd');
      }
      const web = webOption(flags);
      const token = loadClusterToken(flags.get('token-file'));
      const server = new ClusterJobManagerServer({
        bind: parseHostPort('weir jobmanager --bind', flags.get('bind') ?? `127.0.0.1:${DEFAULT_JOBMANAGER_PORT}`, DEFAULT_JOBMANAGER_PORT),
        token, tls: loadTls(command, flags), heartbeat: heartbeat(command, flags),
        slotTimeoutMs: int(command, flags, 'slot-timeout', 30_000), cacheDir: cacheDir(flags), log,
        ...(haHandle ? { ha: haHandle.hooks } : {}),
      });
      const at = await server.listen();
      process.stdout.write(`weir jobmanager: listening on ${at.host}:${at.port}\n`);
      let rest: WebServer | undefined;
      if (web) {
        const { startWebServer } = await import('../web/server.ts');
        const dashboardDir = packageRoot === undefined ? undefined : [join(packageRoot, 'src', 'web', 'dashboard'), join(packageRoot, 'dist', 'web', 'dashboard')].find((d) => existsSync(d));
        const logger = await createLogger('info', process.stderr, (text) => process.stderr.write(text));
        rest = await listenOrExplain(`--web ${web.host}:${web.port}`, () => startWebServer({
          view: server.view, host: web.host, port: web.port, token: token.toString('utf8'), logger, packageRoot, dashboardDir,
        }));
        process.stdout.write(`weir jobmanager: REST API and dashboard at ${rest.url}/ (bearer token required)\n`);
      }
      const closeAll = (): void => { server.close(); void rest?.close(); };
      if (!haHandle) return untilSignal(closeAll);
      const handle = haHandle;
      handle.start(at, (job) => server.resume(job), rest?.url).catch((e: unknown) => {
        log(`HA failed: ${(e as Error).message}; exiting`);
        process.exit(3);
      });
      // A clean stop resigns (revokes the lease): a standby takes over at once instead of after the TTL.
      return new Promise<number>((done) => {
        const on = (): void => { closeAll(); handle.close().finally(() => done(0)); };
        process.once('SIGINT', on);
        process.once('SIGTERM', on);
      });
    }
    case 'taskmanager': {
      const { flags } = parse(command, args, [...COMMON, 'jobmanager', 'slots', 'bind', 'data-port', 'metrics-port', 'metrics-host']);
      if (flags.has('help')) { process.stdout.write(CLUSTER_HELP); return 0; }
      const token = loadClusterToken(flags.get('token-file'));
      const tokenText = token.toString('utf8');
      const jm = flags.get('jobmanager');
      const ha = haConfig(command, flags);
      if (jm === undefined && ha.mode === 'none') throw new ConfigError('weir taskmanager: --jobmanager host:port is required (or --ha etcd --ha-endpoints … to follow the leader)');
      const leader = ha.mode === 'etcd' ? leaderResolver(ha, LEADER_LOOKUP_MS) : undefined;
      const server = new ClusterTaskManagerServer({
        jobmanager: jm !== undefined ? parseHostPort('weir taskmanager --jobmanager', jm, DEFAULT_JOBMANAGER_PORT) : { host: '', port: 0 },
        ...(leader ? { resolveJobManager: leader.resolve } : {}),
        slots: int(command, flags, 'slots', 1),
        bindHost: flags.get('bind') ?? '127.0.0.1', dataPort: int(command, flags, 'data-port', 0, 0),
        token, tls: loadTls(command, flags), heartbeat: heartbeat(command, flags), cacheDir: cacheDir(flags), log: logger('taskmanager'),
      });
      const data = await server.start();
      process.stdout.write(`weir taskmanager: data port ${data.host}:${data.port}\n`);
      // HA: a new leader in etcd means the connection to the old one (if still open: a paused leader) is dropped now.
      const unwatch = leader ? await leader.watch((l, epoch) => { if (l !== undefined) server.leaderChanged(l, epoch); }) : undefined;
      const metricsAt = flags.get('metrics-port');
      let metrics: TaskManagerMetricsServer | undefined;
      if (metricsAt !== undefined) {
        const host = flags.get('metrics-host') ?? '127.0.0.1';
        const port = int(command, flags, 'metrics-port', 0, 0);
        metrics = await listenOrExplain(`--metrics-port ${host}:${port}`, () => startTaskManagerMetricsServer({ host, port, token: tokenText, source: server.metrics }));
        process.stdout.write(`weir taskmanager: metrics at ${metrics.url}/metrics\n`);
      } else if (flags.has('metrics-host')) {
        throw new ConfigError('weir taskmanager: --metrics-host needs --metrics-port');
      }
      return untilSignal(() => { server.stop(); void metrics?.close(); void unwatch?.(); void leader?.close(); });
    }
    case 'cluster': {
      const { flags, positional } = parse(command, args, [...COMMON, 'taskmanagers', 'slots', 'port']);
      if (flags.has('help') || positional[0] !== 'start') { process.stdout.write(CLUSTER_HELP); return flags.has('help') ? 0 : 1; }
      return startLocalCluster(weirScript, int(command, flags, 'taskmanagers', 1), int(command, flags, 'slots', 1), int(command, flags, 'port', 0, 0), flags);
    }
    case 'list':
    case 'cancel':
    case 'stop':
    case 'savepoint': {
      const { flags, positional } = parse(command, args, [...COMMON, 'jobmanager']);
      if (flags.has('help')) { process.stdout.write(CLUSTER_HELP); return 0; }
      const options = await clientOptions(command, flags);
      if (command === 'list') { process.stdout.write(formatJobs(await listJobs(options))); return 0; }
      if (positional.length !== 1) throw new ConfigError(`weir ${command}: expected one job id (weir list shows them)`);
      process.stdout.write(`${await controlJob(options, command, positional[0]!)}\n`);
      return 0;
    }
    default:
      throw new ConfigError(`weir: unknown cluster command ${command}`);
  }
}

async function clientOptions(command: string, flags: Map<string, string>): Promise<ClientOptions> {
  return {
    jobmanager: await jobManagerAddress(command, flags),
    token: loadClusterToken(flags.get('token-file')), tls: loadTls(command, flags), heartbeat: heartbeat(command, flags),
  };
}

/** --jobmanager host:port, or with --ha etcd the leader's address from etcd. */
async function jobManagerAddress(command: string, flags: Map<string, string>): Promise<HostPort> {
  const ha = haConfig(command, flags);
  if (ha.mode === 'none' || flags.has('jobmanager')) {
    return parseHostPort(`weir ${command} --jobmanager`, flags.get('jobmanager') ?? `127.0.0.1:${DEFAULT_JOBMANAGER_PORT}`, DEFAULT_JOBMANAGER_PORT);
  }
  const leader = leaderResolver(ha, LEADER_LOOKUP_MS);
  try {
    return await leader.resolve();
  } finally {
    await leader.close();
  }
}

/** `weir run job.ts --jobmanager host:port`: the bundle bin/weir built beside the worker script goes to the cluster. */
export async function runOnCluster(options: RunOptions, workerScript: string): Promise<number> {
  const abs = (p: unknown): unknown => (typeof p === 'string' && p !== 'latest' ? resolve(p) : p);
  const d = options.defaults;
  // Paths the JobManager reads are made absolute here (the JobManager runs elsewhere, in another directory).
  const defaults = {
    ...d,
    ...(d.restorePath !== undefined ? { restorePath: abs(d.restorePath) } : {}),
    ...(d.savepointDir !== undefined ? { savepointDir: abs(d.savepointDir) } : {}),
    checkpoint: { ...d.checkpoint, ...(d.checkpoint?.dir !== undefined ? { dir: abs(d.checkpoint.dir) } : {}) },
  };
  const flags = new Map<string, string>();
  if (options.tokenFile !== undefined) flags.set('token-file', options.tokenFile);
  if (options.jobmanager !== undefined) flags.set('jobmanager', options.jobmanager);
  for (const [k, v] of Object.entries(options.ha ?? {})) if (v !== undefined) flags.set(k, v);
  for (const [name, value] of Object.entries(options.tls ?? {})) if (value !== undefined) flags.set(name, value);
  const ha = haConfig('run', flags);
  const leader = ha.mode === 'etcd' && !flags.has('jobmanager') ? leaderResolver(ha, LEADER_LOOKUP_MS) : undefined;
  try {
    return await submitJob({
      ...(await clientOptions('run', flags)),
      ...(leader ? { findLeader: leader.resolve } : {}),
      bundlePath: join(dirname(workerScript), 'bundle.mjs'), jobFile: options.jobFile, jobArgs: options.jobArgs, defaults,
      detached: options.detached, progress: options.progress,
    });
  } finally {
    await leader?.close();
  }
}

/** `weir cluster start`: a JobManager and N TaskManagers as child processes on loopback, until SIGINT/SIGTERM. */
async function startLocalCluster(weirScript: string, taskmanagers: number, slots: number, port: number, flags: Map<string, string>): Promise<number> {
  let tokenFile = flags.get('token-file');
  let tempDir: string | undefined;
  if (tokenFile === undefined && process.env[TOKEN_ENV] === undefined) {
    tempDir = mkdtempSync(join(tmpdir(), 'weir-cluster-'));
    tokenFile = join(tempDir, 'token');
    writeFileSync(tokenFile, randomBytes(32).toString('hex'), { mode: 0o600 });
  }
  const common: string[] = [];
  if (tokenFile !== undefined) common.push('--token-file', tokenFile);
  for (const f of ['heartbeat-interval', 'heartbeat-timeout', 'cache-dir', 'tls-cert', 'tls-key', 'tls-ca']) if (flags.has(f)) common.push(`--${f}`, flags.get(f)!);
  const children: ChildProcess[] = [];
  const stopAll = (): void => {
    for (const c of children) {
      c.stdin?.end();
      if (c.exitCode === null) c.kill('SIGTERM');
    }
    if (tempDir) rmSync(tempDir, { recursive: true, force: true });
  };
  // Loaded here: this module is in every job bundle, and the workers that import it never start processes.
  const { spawn } = process.getBuiltinModule('node:child_process');
  // The children run under this process's Node options (node --max-old-space-size=… bin/weir cluster start): a process takes them all.
  // Their stdin is a pipe from this process: if it dies without stopping them (SIGKILL), they see it close and stop.
  const env = { ...process.env, [EXIT_WITH_PARENT_ENV]: '1' };
  const jm = spawn(process.execPath, [...process.execArgv, weirScript, 'jobmanager', '--bind', `127.0.0.1:${port}`, ...common], { stdio: ['pipe', 'pipe', 'inherit'], env });
  children.push(jm);
  const address = await new Promise<string>((res, rej) => {
    let out = '';
    jm.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const m = /listening on (\S+)/.exec(out);
      if (m) res(m[1]!);
    });
    jm.once('exit', (code) => rej(new Error(`the JobManager exited (code ${code})`)));
  });
  for (let i = 0; i < taskmanagers; i++) {
    children.push(spawn(process.execPath, [...process.execArgv, weirScript, 'taskmanager', '--jobmanager', address, '--slots', String(slots), ...common], { stdio: ['pipe', 'ignore', 'inherit'], env }));
  }
  const tokenHint = tokenFile !== undefined ? ` --token-file ${tokenFile}` : '';
  process.stdout.write(`weir cluster: JobManager at ${address}, ${taskmanagers} TaskManager(s) × ${slots} slot(s)\n  weir run <job.ts> --jobmanager ${address}${tokenHint}\n  (Ctrl-C stops the cluster)\n`);
  return untilSignal(stopAll);
}
