// Errors of the REST API: `{ "errors": [message], "code": "WEIR_..." }` with a 4xx/5xx status (rest-contract).

import { WeirError } from '../core/errors.ts';

/** An error the API answers with its own status and code. */
export class HttpError extends Error {
  readonly statusCode: number;
  readonly code: string;
  constructor(statusCode: number, code: string, message: string) {
    super(message);
    this.name = 'HttpError';
    this.statusCode = statusCode;
    this.code = code;
  }
}

/** Codes of the job's own refusals (job-manager.ts) → HTTP status. */
const STATUS_OF_CODE: Record<string, number> = {
  WEIR_SAVEPOINT_UNAVAILABLE: 409,
  WEIR_JOB_NOT_RUNNING: 409,
};

export interface ErrorBody {
  readonly errors: string[];
  readonly code: string;
}

/**
 * A WeirError of this engine copy or of another: a cluster job's JobManager role runs from the
 * job's bundle (cluster/job-main.ts), whose WeirError is another class, so this is duck-typed.
 */
function isWeirError(e: unknown): e is Pick<WeirError, 'code' | 'fault' | 'message'> {
  if (e instanceof WeirError) return true;
  const x = e as { code?: unknown; fault?: unknown; message?: unknown } | null;
  return e instanceof Error && typeof x!.code === 'string' && x!.code.startsWith('WEIR_') && typeof x!.fault === 'string';
}

/** Status and body for anything a handler threw: fastify's validation and parsing errors become 400 WEIR_BAD_REQUEST. */
export function errorReply(error: unknown): { status: number; body: ErrorBody } {
  if (error instanceof HttpError) return { status: error.statusCode, body: { errors: [error.message], code: error.code } };
  if (isWeirError(error)) {
    return { status: STATUS_OF_CODE[error.code] ?? (error.fault === 'internal' ? 500 : 400), body: { errors: [error.message], code: error.code } };
  }
  const e = error as { validation?: unknown; statusCode?: number; message?: string; code?: string };
  if (e.validation !== undefined) return { status: 400, body: { errors: [e.message ?? 'invalid request'], code: 'WEIR_BAD_REQUEST' } };
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    const code = e.statusCode === 415 ? 'WEIR_UNSUPPORTED_MEDIA_TYPE' : e.statusCode === 413 ? 'WEIR_BODY_TOO_LARGE' : 'WEIR_BAD_REQUEST';
    return { status: e.statusCode, body: { errors: [e.message ?? 'bad request'], code } };
  }
  return { status: 500, body: { errors: [e.message ?? String(error)], code: 'WEIR_INTERNAL' } };
}
