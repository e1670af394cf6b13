// A TaskManager's own metrics: its subtasks' figures from its slots' reports, served as Prometheus `/metrics` (`weir taskmanager --metrics-port`).
//
// The slots' reports (runtime/slot.ts: every 500 ms, and at the end) pass through this process's
// main thread on their way to the JobManager; the TaskManager keeps them in the same JobMetrics
// the JobManager uses (metrics/job-metrics.ts), so both compute the same rates the same way, and
// exports them through the same series definitions (metrics/prometheus.ts). prom-client and
// node:http are loaded only when the server starts.

import { timingSafeEqual } from 'node:crypto';
import type { Server } from 'node:http';
import { JobMetrics } from '../metrics/job-metrics.ts';
import type { SubtaskSample, TaskManagerMetricsSource } from '../metrics/prometheus.ts';
import type { Deployment, SlotToManager } from '../runtime/protocol.ts';

interface ExecMetrics {
  jobId: string;
  readonly slots: readonly number[];
  vertexNames: readonly string[];
  metrics: JobMetrics;
  /** `vertex.subtask` of every subtask that reported in this attempt, in report order. */
  readonly reported: Map<string, { vertex: number; subtask: number }>;
}

export class TaskManagerMetrics implements TaskManagerMetricsSource {
  readonly slots: number;
  readonly #execs = new Map<number, ExecMetrics>();

  constructor(slots: number) {
    this.slots = slots;
  }

  /** An execution got slots of this TaskManager. */
  deployed(exec: number, jobId: string, slots: readonly number[]): void {
    this.#execs.set(exec, { jobId, slots, vertexNames: [], metrics: new JobMetrics([]), reported: new Map() });
  }

  /** The JobManager role's deployment of an execution's tasks (it names the vertices). */
  deployment(exec: number, d: Deployment): void {
    const e = this.#execs.get(exec);
    if (!e) return;
    e.jobId = d.jobId;
    e.vertexNames = d.vertexNames ?? [];
    e.metrics = new JobMetrics([]);
    e.reported.clear();
  }

  /** A slot's event on its way to the JobManager. */
  event(exec: number, event: SlotToManager): void {
    if (event.type !== 'metrics' && event.type !== 'finished') return;
    const e = this.#execs.get(exec);
    if (!e) return;
    for (const m of event.metrics) {
      e.metrics.report(m);
      const key = `${m.vertex}.${m.subtask}`;
      if (!e.reported.has(key)) e.reported.set(key, { vertex: m.vertex, subtask: m.subtask });
    }
  }

  /** The execution ended here (cancelled, finished, failed): its series go. */
  removed(exec: number): void {
    this.#execs.delete(exec);
  }

  freeSlots(): number {
    let used = 0;
    for (const e of this.#execs.values()) used += e.slots.length;
    return Math.max(0, this.slots - used);
  }

  *subtasks(): Iterable<SubtaskSample> {
    for (const e of this.#execs.values()) {
      for (const { vertex, subtask } of e.reported.values()) {
        const m = e.metrics.subtask(vertex, subtask);
        if (m) yield { job: e.jobId, vertex, vertexName: e.vertexNames[vertex] ?? '', subtask, metrics: m };
      }
    }
  }
}

export interface TaskManagerMetricsServer {
  readonly url: string;
  close(): Promise<void>;
}

/** Serves `GET /metrics` (Prometheus text) on host:port; with `token`, every request needs `Authorization: Bearer <token>`. */
export async function startTaskManagerMetricsServer(options: { host: string; port: number; token: string | undefined; source: TaskManagerMetricsSource }): Promise<TaskManagerMetricsServer> {
  const { createServer } = await import('node:http');
  const { createTaskManagerMetricsRegistry } = await import('../metrics/prometheus.ts');
  const registry = await createTaskManagerMetricsRegistry(options.source);
  const expected = options.token === undefined ? undefined : Buffer.from(`Bearer ${options.token}`);
  const json = (res: import('node:http').ServerResponse, status: number, code: string, message: string): void => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify({ errors: [message], code }));
  };
  const server: Server = createServer((req, res) => {
    if (expected !== undefined) {
      const given = Buffer.from(req.headers.authorization ?? '');
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        json(res, 401, 'WEIR_UNAUTHORIZED', 'this TaskManager needs its cluster token: send Authorization: Bearer <token>');
        return;
      }
    }
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/metrics') { json(res, 404, 'WEIR_NOT_FOUND', `no route ${req.method} ${path} (a TaskManager serves GET /metrics)`); return; }
    if (req.method !== 'GET' && req.method !== 'HEAD') { json(res, 405, 'WEIR_METHOD_NOT_ALLOWED', `${req.method} /metrics: only GET`); return; }
    registry.metrics().then(
      (text) => { res.writeHead(200, { 'content-type': registry.contentType }).end(req.method === 'HEAD' ? undefined : text); },
      (e: unknown) => json(res, 500, 'WEIR_INTERNAL', (e as Error).message),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => { server.off('error', reject); resolve(); });
  });
  const a = server.address() as { address: string; port: number };
  const host = a.address.includes(':') ? `[${a.address}]` : a.address;
  return {
    url: `http://${host}:${a.port}`,
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}
