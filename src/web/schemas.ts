// JSON schemas of every request of the REST API (fastify validates params, query and body with them before a handler runs).

const noQuery = { type: 'object', properties: {}, additionalProperties: false } as const;
const jobId = { type: 'string', minLength: 1, maxLength: 200 } as const;
const vertexId = { type: 'string', pattern: '^(0|[1-9][0-9]{0,5})$' } as const;
const triggerId = { type: 'string', pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' } as const;

const params = (properties: Record<string, unknown>) => ({
  type: 'object', properties, required: Object.keys(properties), additionalProperties: false,
}) as const;

export const schemas = {
  none: { querystring: noQuery },
  job: { params: params({ id: jobId }), querystring: noQuery },
  vertex: { params: params({ id: jobId, vid: vertexId }), querystring: noQuery },
  savepointStatus: { params: params({ id: jobId, triggerId }), querystring: noQuery },
  triggerSavepoint: {
    params: params({ id: jobId }),
    querystring: noQuery,
    body: {
      type: 'object',
      properties: { 'target-directory': { type: 'string', minLength: 1, maxLength: 4096 }, 'cancel-job': { type: 'boolean' } },
      additionalProperties: false,
    },
  },
  stop: {
    params: params({ id: jobId }),
    querystring: noQuery,
    body: {
      type: 'object',
      properties: { targetDirectory: { type: 'string', minLength: 1, maxLength: 4096 }, drain: { type: 'boolean' } },
      additionalProperties: false,
    },
  },
  cancel: {
    params: params({ id: jobId }),
    querystring: { type: 'object', properties: { mode: { type: 'string', enum: ['cancel'] } }, additionalProperties: false },
  },
  /** The dashboard page may carry `?token=` (it reads it once, rest-contract); static files take any query. */
  staticFile: { querystring: { type: 'object' } },
  dashboardFile: {
    params: { type: 'object', properties: { '*': { type: 'string', maxLength: 200 } }, additionalProperties: false },
    querystring: { type: 'object' },
  },
} as const;
