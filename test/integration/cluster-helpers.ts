// A standalone cluster of real processes for the tests: one `weir jobmanager`, N `weir taskmanager`s on loopback ports the OS picks.

import type { ChildProcess } from 'node:child_process';
import { startWeir, waitUntil } from './helpers.ts';

export const TEST_TOKEN = 'cluster-test-token-0123456789abcdef';
export const CLUSTER_ENV = { WEIR_CLUSTER_TOKEN: TEST_TOKEN };
/** Short heartbeats so a lost TaskManager is noticed within ~1.5 s. */
export const HEARTBEAT = ['--heartbeat-interval', '200', '--heartbeat-timeout', '1500'];

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

export async function startCluster(options: { taskmanagers: number; slots: number; jobmanagerArgs?: readonly string[]; cacheDir: string }): Promise<TestCluster> {
  const common = [...HEARTBEAT, '--cache-dir', options.cacheDir];
  const jobmanager = startWeir(['jobmanager', '--bind', '127.0.0.1:0', ...common, ...(options.jobmanagerArgs ?? [])], CLUSTER_ENV);
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
      const tm = startWeir(['taskmanager', '--jobmanager', address, '--slots', String(slots), ...common, ...extra], CLUSTER_ENV);
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
