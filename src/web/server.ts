// The REST server of the JobManager role (fastify): Flink-shaped routes over a JobsView, Prometheus /metrics, the dashboard's files.
//
// fastify and prom-client are imported when a server starts, never at module load: worker threads
// import the same bundle as the client and must not pay for them.

import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import type { Logger } from '../core/logger.ts';
import type { JobsView, JobView } from '../coordinator/job-view.ts';
import { createMetricsRegistry } from '../metrics/prometheus.ts';
import { errorReply, HttpError } from './errors.ts';
import {
  backPressureJson, checkpointConfigJson, checkpointsJson, exceptionsJson, jobJson, jobsOverviewJson, overviewJson, subtasksJson, WEIR_VERSION,
} from './job-json.ts';
import { schemas } from './schemas.ts';
import { StaticFiles } from './static-files.ts';

export interface WebServerOptions {
  readonly view: JobsView;
  /** Default 127.0.0.1 (loopback only). */
  readonly host?: string | undefined;
  /** 0 = any free port. */
  readonly port: number;
  /** When set, every API request needs `Authorization: Bearer <token>` (the dashboard's static files do not). */
  readonly token?: string | undefined;
  /** The dashboard folder (default: ./dashboard beside this file) and Weir's package root (for the vendor files). */
  readonly dashboardDir?: string | undefined;
  readonly packageRoot?: string | undefined;
  readonly logger?: Logger | undefined;
  /** GET /config's refresh-interval, ms. */
  readonly refreshInterval?: number | undefined;
}

export interface WebServer {
  /** http://host:port (the bound port when 0 was asked). */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

type Req = FastifyRequest<{ Params: Record<string, string>; Querystring: Record<string, string>; Body: Record<string, unknown> }>;

export async function startWebServer(options: WebServerOptions): Promise<WebServer> {
  const { default: fastify } = await import('fastify');
  const here = dirname(fileURLToPath(import.meta.url));
  const files = new StaticFiles(options.dashboardDir ?? join(here, 'dashboard'), options.packageRoot ?? join(here, '..', '..'));
  const view = options.view;
  const registry = await createMetricsRegistry(view);
  const app: FastifyInstance = fastify({
    logger: false,
    bodyLimit: 64 * 1024,
    // Unknown fields are refused (400), not silently removed; no type coercion of bodies.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false } },
  });
  const log = options.logger;

  app.setErrorHandler((error, request, reply) => {
    const { status, body } = errorReply(error);
    if (status >= 500) log?.error({ err: error, url: request.url, method: request.method }, 'REST request failed');
    void reply.code(status).type('application/json; charset=utf-8').send(body);
  });
  app.setNotFoundHandler((request, reply) => {
    void reply.code(404).send({ errors: [`no route ${request.method} ${request.url.split('?')[0]}`], code: 'WEIR_NOT_FOUND' });
  });
  // A POST without a body is an empty one (the savepoint and stop bodies are all optional).
  app.addHook('preValidation', async (request) => {
    if (request.method === 'POST' && (request.body === undefined || request.body === null)) (request as { body: unknown }).body = {};
  });

  const job = (request: Req): JobView => {
    const id = request.params['id']!;
    const found = view.jobs().find((j) => j.jobId === id);
    if (!found) throw new HttpError(404, 'WEIR_JOB_NOT_FOUND', `no job with id "${id}"`);
    return found;
  };
  const vertexOf = (j: JobView, request: Req): number => {
    const vid = Number(request.params['vid']);
    if (!(vid < j.graph.vertices.length)) throw new HttpError(404, 'WEIR_VERTEX_NOT_FOUND', `job "${j.jobId}" has no vertex ${vid} (it has 0..${j.graph.vertices.length - 1})`);
    return vid;
  };

  // --- the API: bearer token when configured ---
  await app.register(async (api) => {
    const token = options.token;
    if (token !== undefined) {
      const expected = Buffer.from(`Bearer ${token}`);
      api.addHook('onRequest', async (request) => {
        const given = Buffer.from(request.headers.authorization ?? '');
        if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
          throw new HttpError(401, 'WEIR_UNAUTHORIZED', 'this JobManager needs its cluster token: send Authorization: Bearer <token>');
        }
      });
    }
    api.get('/config', { schema: schemas.none }, async () => ({
      'weir-version': WEIR_VERSION, 'refresh-interval': options.refreshInterval ?? 1000, features: { 'web-submit': false },
    }));
    api.get('/overview', { schema: schemas.none }, async () => overviewJson(view));
    api.get('/jobs', { schema: schemas.none }, async () => ({ jobs: view.jobs().map((j) => ({ id: j.jobId, status: j.status })) }));
    api.get('/jobs/overview', { schema: schemas.none }, async () => jobsOverviewJson(view));
    api.get('/jobs/:id', { schema: schemas.job }, async (request: Req) => jobJson(job(request)));
    api.get('/jobs/:id/vertices/:vid', { schema: schemas.vertex }, async (request: Req) => {
      const j = job(request);
      return subtasksJson(j, vertexOf(j, request));
    });
    api.get('/jobs/:id/vertices/:vid/backpressure', { schema: schemas.vertex }, async (request: Req) => {
      const j = job(request);
      return backPressureJson(j, vertexOf(j, request));
    });
    api.get('/jobs/:id/vertices/:vid/metrics-history', { schema: schemas.vertex }, async (request: Req) => {
      const j = job(request);
      return { points: j.metrics.history(vertexOf(j, request)) };
    });
    api.get('/jobs/:id/checkpoints', { schema: schemas.job }, async (request: Req) => checkpointsJson(job(request)));
    api.get('/jobs/:id/checkpoints/config', { schema: schemas.job }, async (request: Req) => checkpointConfigJson(job(request)));
    api.get('/jobs/:id/exceptions', { schema: schemas.job }, async (request: Req) => exceptionsJson(job(request)));
    api.get('/taskmanagers', { schema: schemas.none }, async () => ({ taskmanagers: view.taskManagers() }));

    api.post('/jobs/:id/savepoints', { schema: schemas.triggerSavepoint }, async (request: Req, reply: FastifyReply) => {
      const j = job(request);
      const body = request.body;
      const id = j.startSavepoint({ targetDirectory: body['target-directory'] as string | undefined, cancelJob: body['cancel-job'] as boolean | undefined });
      log?.info({ job: j.jobId, trigger: id }, 'REST: savepoint triggered');
      return reply.code(202).send({ 'request-id': id });
    });
    api.get('/jobs/:id/savepoints/:triggerId', { schema: schemas.savepointStatus }, async (request: Req) => {
      const j = job(request);
      const state = j.savepointTrigger(request.params['triggerId']!);
      if (!state) throw new HttpError(404, 'WEIR_TRIGGER_NOT_FOUND', `job "${j.jobId}" has no savepoint trigger ${request.params['triggerId']}`);
      if (state.status === 'IN_PROGRESS') return { status: { id: 'IN_PROGRESS' } };
      if (state.status === 'COMPLETED') return { status: { id: 'COMPLETED' }, operation: { location: state.location } };
      return { status: { id: 'COMPLETED' }, operation: { 'failure-cause': { class: state.errorName, 'stack-trace': state.stack, message: state.message } } };
    });
    api.post('/jobs/:id/stop', { schema: schemas.stop }, async (request: Req, reply: FastifyReply) => {
      const j = job(request);
      const body = request.body;
      const id = j.stopWithSavepoint({ targetDirectory: body['targetDirectory'] as string | undefined, drain: body['drain'] as boolean | undefined });
      log?.info({ job: j.jobId, trigger: id }, 'REST: stop with savepoint');
      return reply.code(202).send({ 'request-id': id });
    });
    api.patch('/jobs/:id', { schema: schemas.cancel }, async (request: Req, reply: FastifyReply) => {
      const j = job(request);
      j.cancel();
      log?.info({ job: j.jobId }, 'REST: job cancelled');
      return reply.code(202).send({});
    });
    api.get('/metrics', { schema: schemas.none }, async (_request, reply: FastifyReply) => {
      const text = await registry.metrics();
      return reply.type(registry.contentType).send(text);
    });
  });

  // --- the dashboard's static files: public (they hold no job data; the page sends the token with its API calls) ---
  const sendFile = (reply: FastifyReply, file: { body: Buffer; type: string }): FastifyReply => reply.type(file.type).header('cache-control', 'no-cache').send(file.body);
  app.get('/', { schema: schemas.staticFile }, async (_request, reply) => sendFile(reply, await files.dashboard('index.html')));
  app.get('/dashboard/*', { schema: schemas.dashboardFile }, async (request: Req, reply) => sendFile(reply, await files.dashboard(request.params['*'] ?? '')));
  app.get('/vendor/:name', { schema: { params: { type: 'object', properties: { name: { type: 'string', maxLength: 100 } }, required: ['name'] }, querystring: { type: 'object' } } },
    async (request: Req, reply) => sendFile(reply, await files.vendor(request.params['name']!)));

  await app.listen({ host: options.host ?? '127.0.0.1', port: options.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;
  const host = options.host ?? '127.0.0.1';
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  log?.info({ url, auth: options.token !== undefined }, 'REST server listening');
  return {
    url, port,
    close: () => app.close(),
  };
}
