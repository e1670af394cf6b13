// The cluster client: submit a job bundle (once, by hash) and follow it, or list, cancel, stop and savepoint jobs.

import { readFileSync } from 'node:fs';
import type { JobResult } from '../api/launch.ts';
import { WeirError } from '../core/errors.ts';
import type { SerializedError } from '../runtime/operator-error.ts';
import { ProgressReporter } from '../cli/progress.ts';
import { sha256 } from './blob-store.ts';
import { dial, type Connection, type HeartbeatSettings } from './connection.ts';
import type { ClientToJobManager, HostPort, JobManagerToClient, JobSummary } from './messages.ts';

export interface ClientOptions {
  readonly jobmanager: HostPort;
  readonly token: Buffer;
  readonly heartbeat: HeartbeatSettings;
}

export async function connectClient(options: ClientOptions): Promise<Connection> {
  return dial(options.jobmanager.host, options.jobmanager.port, { token: options.token, role: 'client', heartbeat: options.heartbeat });
}

/** The error a client prints for one the JobManager reported (code, fault and the remote stack kept). */
export function remoteError(e: SerializedError): Error {
  const error = new WeirError(e.message, { code: e.code ?? 'WEIR_JOB_FAILED', fault: (e.fault as 'user') ?? 'user', retryable: e.retryable ?? false });
  error.name = e.name;
  if (e.stack) (error as unknown as { remoteStack: string }).remoteStack = e.stack;
  else error.stack = '';
  return error;
}

/** Sends one request and waits for the first answer `pick` accepts (or an error, or the connection's end). */
function request<T>(conn: Connection, message: ClientToJobManager, pick: (m: JobManagerToClient) => T | undefined): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    conn.onControl = (raw) => {
      const m = raw as JobManagerToClient;
      if (m.type === 'error') { reject(remoteError(m.error)); return; }
      const v = pick(m);
      if (v !== undefined) resolve(v);
    };
    conn.onClose((reason) => reject(new WeirError(`lost the connection to the JobManager: ${reason}`, { code: 'WEIR_CLUSTER_UNREACHABLE', fault: 'external' })));
    conn.sendControl(message);
  });
}

export interface SubmitOptions extends ClientOptions {
  readonly bundlePath: string;
  readonly jobFile: string;
  readonly jobArgs: readonly string[];
  readonly defaults: unknown;
  readonly detached: boolean;
  readonly progress: boolean;
  readonly out?: NodeJS.WriteStream;
}

/** `weir run … --jobmanager`: returns the exit code. Attached, it prints the same progress and summary as local mode. */
export async function submitJob(options: SubmitOptions): Promise<number> {
  const bundle = readFileSync(options.bundlePath);
  const hash = sha256(bundle);
  const conn = await connectClient(options);
  const err = options.out ?? process.stderr;
  const address = `${options.jobmanager.host}:${options.jobmanager.port}`;
  try {
    const cached = await request(conn, { type: 'has-bundle', hash }, (m) => (m.type === 'bundle-status' ? m.cached : undefined));
    const reporter = new ProgressReporter(err, options.progress);
    let jobId: string | undefined;
    const outcome = await new Promise<{ result?: JobResult; error?: Error }>((resolve) => {
      const onSignal = (): void => {
        err.write(`weir: detaching; job ${jobId ?? '(starting)'} keeps running on ${address} (weir cancel ${jobId ?? '<job>'} / weir stop ${jobId ?? '<job>'} --jobmanager ${address})\n`);
        process.exit(130);
      };
      conn.onControl = (raw) => {
        const m = raw as JobManagerToClient;
        switch (m.type) {
          case 'submitted':
            jobId = m.jobId;
            if (options.detached) {
              process.stdout.write(`${m.jobId}\n`);
              resolve({});
              return;
            }
            err.write(`weir: job ${m.jobId} submitted to ${address}\n`);
            process.once('SIGINT', onSignal);
            process.once('SIGTERM', onSignal);
            return;
          case 'notice': err.write(`weir: ${m.text}\n`); return;
          case 'progress': reporter.onProgress(m.vertices, m.elapsedMs); return;
          case 'restart': reporter.onRestart(m.attempt, m.reason, m.delayMs); return;
          case 'checkpoint': reporter.onCheckpoint(m.info); return;
          case 'checkpoint-failed': reporter.onCheckpointFailed(m.id, m.reason); return;
          case 'result': resolve({ result: m.result }); return;
          case 'job-error': resolve({ error: remoteError(m.error) }); return;
          case 'error': resolve({ error: remoteError(m.error) }); return;
          default: return;
        }
      };
      conn.onClose((reason) => resolve({ error: new WeirError(`lost the connection to the JobManager at ${address} (${reason}); the job keeps running there (weir list --jobmanager ${address})`, { code: 'WEIR_CLUSTER_UNREACHABLE', fault: 'external' }) }));
      conn.sendControl({ type: 'submit', hash, bundle: cached ? undefined : bundle, jobArgs: options.jobArgs, defaults: options.defaults, jobFile: options.jobFile } satisfies ClientToJobManager);
    });
    if (outcome.error) throw outcome.error;
    if (outcome.result) {
      if (outcome.result.savepointPath) err.write(`savepoint: ${outcome.result.savepointPath}\n`);
      err.write(reporter.summary(outcome.result));
    }
    return 0;
  } finally {
    conn.close('client done');
  }
}

export async function listJobs(options: ClientOptions): Promise<JobSummary[]> {
  const conn = await connectClient(options);
  try {
    return await request(conn, { type: 'list' }, (m) => (m.type === 'jobs' ? [...m.jobs] : undefined));
  } finally {
    conn.close('client done');
  }
}

/** cancel / stop (with a savepoint) / savepoint: waits for the JobManager's answer and returns its text. */
export async function controlJob(options: ClientOptions, type: 'cancel' | 'stop' | 'savepoint', jobId: string): Promise<string> {
  const conn = await connectClient(options);
  try {
    return await request(conn, { type, jobId }, (m) => (m.type === 'done' ? m.text : undefined));
  } finally {
    conn.close('client done');
  }
}

export function formatJobs(jobs: readonly JobSummary[]): string {
  if (jobs.length === 0) return 'no jobs\n';
  const rows = jobs.map((j) => [j.jobId, j.status, String(j.slots), String(j.restarts), new Date(j.startedAt).toISOString(), j.jobName, j.error ? j.error.split('\n')[0]! : '']);
  const head = ['JOB', 'STATUS', 'SLOTS', 'RESTARTS', 'STARTED', 'NAME', 'ERROR'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [head, ...rows].map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n') + '\n';
}
