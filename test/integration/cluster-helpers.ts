// A standalone cluster of real processes for the tests: one `weir jobmanager`, N `weir taskmanager`s on loopback ports the OS picks.

import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { ROOT, WEIR, startWeir, waitUntil } from './helpers.ts';

export const TEST_TOKEN = 'cluster-test-token-0123456789abcdef';
export const CLUSTER_ENV = { WEIR_CLUSTER_TOKEN: TEST_TOKEN };
/** Short heartbeats so a lost TaskManager is noticed within ~3 s (not shorter: a loaded machine stalls processes). */
export const HEARTBEAT_TIMEOUT_MS = 3000;
export const HEARTBEAT = ['--heartbeat-interval', '300', '--heartbeat-timeout', String(HEARTBEAT_TIMEOUT_MS)];

type Child = ChildProcess & { out: { stdout: string; stderr: string } };

export interface TestCluster {
  readonly address: string;
  readonly jobmanager: Child;
  readonly taskmanagers: Child[];
  /** Starts one more TaskManager (a replacement) and waits until it registered. */
  addTaskManager(slots: number, extra?: readonly string[]): Promise<Child>;
  /** Number of registrations the JobManager logged so far. */
  registrations(): number;
  stop(): Promise<void>;
}

export interface ClusterOptions {
  readonly taskmanagers: number;
  readonly slots: number;
  readonly cacheDir: string;
  readonly jobmanagerArgs?: readonly string[];
  /** Where the JobManager binds (default 127.0.0.1, port chosen by the OS). */
  readonly jobmanagerHost?: string;
  /** Added to every JobManager and TaskManager command line (TLS files, …). */
  readonly commonArgs?: readonly string[];
  /** Test hosts (scripts/netns.sh): TaskManager i (0-based, in start order) runs on host i+1 of this net. */
  readonly netns?: number;
}

export const NETNS_SCRIPT = join(ROOT, 'scripts', 'netns.sh');

/** Host k's address in a test net of scripts/netns.sh. */
export function netnsAddress(net: number, k: number): string {
  return `198.18.${net}.${10 + k}`;
}

function startIn(net: number, host: number, args: readonly string[]): Child {
  const child = spawn(NETNS_SCRIPT, ['exec', String(net), String(host), process.execPath, WEIR, ...args], { cwd: ROOT, env: { ...process.env, ...CLUSTER_ENV }, stdio: ['ignore', 'pipe', 'pipe'] }) as Child;
  child.out = { stdout: '', stderr: '' };
  child.stdout!.setEncoding('utf8').on('data', (d: string) => { child.out.stdout += d; });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => { child.out.stderr += d; });
  return child;
}

export async function startCluster(options: ClusterOptions): Promise<TestCluster> {
  const common = [...HEARTBEAT, '--cache-dir', options.cacheDir, ...(options.commonArgs ?? [])];
  const jobmanager = startWeir(['jobmanager', '--bind', `${options.jobmanagerHost ?? '127.0.0.1'}:0`, ...common, ...(options.jobmanagerArgs ?? [])], CLUSTER_ENV);
  const taskmanagers: Child[] = [];
  const stop = async (): Promise<void> => {
    const all = [...taskmanagers, jobmanager];
    for (const c of all) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await Promise.all(all.map((c) => (c.exitCode !== null || c.signalCode !== null ? undefined : new Promise((r) => c.once('close', r)))));
  };
  try {
    if (!await waitUntil(() => /listening on \S+/.test(jobmanager.out.stdout), jobmanager, 30_000)) throw new Error(`the JobManager did not start:\n${jobmanager.out.stderr}`);
    const address = /listening on (\S+)/.exec(jobmanager.out.stdout)![1]!;
    const registrations = (): number => (jobmanager.out.stderr.match(/TaskManager tm-\d+ registered/g) ?? []).length;
    const addTaskManager = async (slots: number, extra: readonly string[] = []): Promise<Child> => {
      const before = registrations();
      const args = ['taskmanager', '--jobmanager', address, '--slots', String(slots), ...common, ...extra];
      const host = taskmanagers.length + 1;
      const tm = options.netns === undefined ? startWeir(args, CLUSTER_ENV) : startIn(options.netns, host, [...args, '--bind', netnsAddress(options.netns, host)]);
      taskmanagers.push(tm);
      if (!await waitUntil(() => registrations() > before, jobmanager, 30_000)) throw new Error(`a TaskManager did not register:\n${tm.out.stderr}\n${jobmanager.out.stderr}`);
      return tm;
    };
    for (let i = 0; i < options.taskmanagers; i++) await addTaskManager(options.slots);
    return { address, jobmanager, taskmanagers, addTaskManager, registrations, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
