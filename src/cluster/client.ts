// The cluster client: submit a job bundle (once, by hash) and follow it, or list, cancel, stop and savepoint jobs.

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { JobResult } from '../api/launch.ts';
import { WeirError } from '../core/errors.ts';
import type { SerializedError } from '../runtime/operator-error.ts';
import { ProgressReporter } from '../cli/progress.ts';
import { sha256 } from './blob-store.ts';
import { dial, type Connection, type HeartbeatSettings, type TlsFiles } from './connection.ts';
import type { ClientToJobManager, HostPort, JobManagerToClient, JobSummary } from './messages.ts';

export interface ClientOptions {
  readonly jobmanager: HostPort;
  readonly token: Buffer;
  readonly tls?: TlsFiles | undefined;
  readonly heartbeat: HeartbeatSettings;
}

export async function connectClient(options: ClientOptions): Promise<Connection> {
  return dial(options.jobmanager.host, options.jobmanager.port, { token: options.token, tls: options.tls, role: 'client', heartbeat: options.heartbeat });
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
  /** HA: where the JobManager leader is now; with it, a lost JobManager is followed to its successor instead of ending the client. */
  readonly findLeader?: () => Promise<HostPort>;
}

/** How long an attached client follows a lost JobManager to its successor before it gives up. */
const FOLLOW_LEADER_MS = 60_000;

/**
 * The bundle as one file: bin/weir writes its source map beside it (`//# sourceMappingURL=bundle.mjs.map`,
 * cheaper for local worker threads to load); the processes of a cluster get only the bundle, so the map goes
 * inline, and stacks of user code there still point at the job file.
 */
export function selfContainedBundle(bundlePath: string): Buffer {
  const bundle = readFileSync(bundlePath);
  const tail = bundle.subarray(Math.max(0, bundle.length - 256)).toString('latin1');
  const link = /\n\/\/# sourceMappingURL=([^\s/]+\.map)\s*$/.exec(tail);
  if (link === null) return bundle;
  const mapPath = join(dirname(bundlePath), link[1]!);
  if (!existsSync(mapPath)) return bundle;
  const head = bundle.subarray(0, bundle.length - (tail.length - link.index));
  const inline = `\n//# sourceMappingURL=data:application/json;base64,${readFileSync(mapPath).toString('base64')}\n`;
  return Buffer.concat([head, Buffer.from(inline, 'latin1')]);
}

/** `weir run … --jobmanager`: returns the exit code. Attached, it prints the same progress and summary as local mode. */
export async function submitJob(options: SubmitOptions): Promise<number> {
  const bundle = selfContainedBundle(options.bundlePath);
  const hash = sha256(bundle);
  let conn = await connectClient(options);
  const err = options.out ?? process.stderr;
  let address = `${options.jobmanager.host}:${options.jobmanager.port}`;
  try {
    const cached = await request(conn, { type: 'has-bundle', hash }, (m) => (m.type === 'bundle-status' ? m.cached : undefined));
    const reporter = new ProgressReporter(err, options.progress);
    let jobId: string | undefined;
    // Settled: the job's outcome is known, so a connection that closes from now on (ours, closed below) is not a lost JobManager to follow.
    let settled = false;
    const outcome = await new Promise<{ result?: JobResult; error?: Error }>((resolveOutcome) => {
      const resolve = (o: { result?: JobResult; error?: Error }): void => {
        settled = true;
        resolveOutcome(o);
      };
      const onSignal = (): void => {
        err.write(`weir: detaching; job ${jobId ?? '(starting)'} keeps running on ${address} (weir cancel ${jobId ?? '<job>'} / weir stop ${jobId ?? '<job>'} --jobmanager ${address})\n`);
        process.exit(130);
      };
      let following: ((m: JobManagerToClient) => boolean) | undefined;
      const onMessage = (raw: unknown): void => {
        const m = raw as JobManagerToClient;
        if (following?.(m)) return;
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
      const onLost = (reason: string): void => {
        if (settled) return;
        if (options.findLeader && jobId !== undefined && !options.detached) { void follow(reason); return; }
        resolve({ error: new WeirError(`lost the connection to the JobManager at ${address} (${reason}); the job keeps running there (weir list --jobmanager ${address})`, { code: 'WEIR_CLUSTER_UNREACHABLE', fault: 'external' }) });
      };
      // HA: find the new leader through etcd and attach to the job there; it resumes the job from the job store.
      const follow = async (reason: string): Promise<void> => {
        err.write(`weir: lost the JobManager at ${address} (${reason}); following the leader through etcd\n`);
        const deadline = Date.now() + FOLLOW_LEADER_MS;
        let last = reason;
        while (Date.now() < deadline && !settled) {
          try {
            const leader = await options.findLeader!();
            const next = await connectClient({ ...options, jobmanager: leader });
            const attached = await new Promise<boolean>((done) => {
              following = (m) => {
                if (m.type === 'error' && (m.error.code === 'WEIR_NO_SUCH_JOB' || m.error.code === 'WEIR_HA_STANDBY')) { last = m.error.message; done(false); return true; }
                if (m.type === 'notice' && m.text.startsWith('following job')) { following = undefined; done(true); }
                return false;
              };
              next.onControl = onMessage;
              next.onClose((r) => { last = r; done(false); });
              next.sendControl({ type: 'attach', jobId: jobId! } satisfies ClientToJobManager);
            });
            if (attached) {
              conn = next;
              address = `${leader.host}:${leader.port}`;
              next.onClose(onLost);
              return;
            }
            following = undefined;
            next.close('not attached');
          } catch (e) {
            last = (e as Error).message;
          }
          await new Promise((r) => setTimeout(r, 500));
        }
        resolve({ error: new WeirError(`lost the JobManager and found no leader running job ${jobId} within ${FOLLOW_LEADER_MS} ms (last: ${last})`, { code: 'WEIR_CLUSTER_UNREACHABLE', fault: 'external' }) });
      };
      conn.onControl = onMessage;
      conn.onClose(onLost);
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
