// The one error type of Weir: a code, who is at fault, whether a retry can help, and the cause.

/** Whose fault an error is: the user's code or job, their configuration, an external system, or Weir itself. */
export type Fault = 'user' | 'config' | 'external' | 'internal';

export interface WeirErrorOptions {
  readonly code: string;
  readonly fault: Fault;
  readonly retryable?: boolean;
  readonly cause?: unknown;
}

/**
 * Base class of every error Weir raises. `code` is stable (tests and tools match on it),
 * `fault` says whose problem it is, `retryable` whether restarting can help.
 */
export class WeirError extends Error {
  readonly code: string;
  readonly fault: Fault;
  readonly retryable: boolean;

  constructor(message: string, options: WeirErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'WeirError';
    this.code = options.code;
    this.fault = options.fault;
    this.retryable = options.retryable ?? false;
  }
}

/** A mistake in the job graph or a setting, found before anything runs. */
export class ConfigError extends WeirError {
  constructor(message: string, cause?: unknown) {
    super(message, { code: 'WEIR_CONFIG', fault: 'config', cause });
    this.name = 'ConfigError';
  }
}

/** Checkpoint or savepoint data that is missing, truncated or fails its checksum. */
export class CheckpointCorruptError extends WeirError {
  readonly path: string;
  constructor(message: string, path: string, cause?: unknown) {
    super(message, { code: 'WEIR_CHECKPOINT_CORRUPT', fault: 'external', cause });
    this.name = 'CheckpointCorruptError';
    this.path = path;
  }
}

/** Renders a value briefly for an error message: small records are shown, large ones cut. */
export function describeValue(value: unknown, limit = 200): string {
  let text: string;
  try {
    text = typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v)) ?? String(value));
  } catch {
    text = String(value);
  }
  return text.length > limit ? `${text.slice(0, limit)}… (${text.length} chars)` : text;
}

/**
 * Whether restarting the job can help (Flink's SuppressRestartsException is the "no" here).
 * Errors of user code that are not Weir's (an exception in a function), a dead worker and I/O
 * that can heal are worth a restart; a setting, corrupt or lost checkpointed data and a path
 * of the wrong kind are not: every restart would meet them again.
 */
export function isRecoverable(error: unknown): boolean {
  if (!(error instanceof WeirError)) return true;
  if (error.fault === 'config') return false;
  return error.retryable;
}

/** I/O error codes that retrying cannot fix: the path exists with the wrong kind, or is not a valid path. */
const PERMANENT_IO = new Set(['ENOTDIR', 'EISDIR', 'EEXIST', 'ENAMETOOLONG', 'ELOOP', 'EINVAL', 'EROFS']);

/** Whether an I/O error (errno code) can heal by itself: a full disk or a permission can be fixed while the job waits. */
export function isTransientIoError(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === undefined || !PERMANENT_IO.has(code);
}
