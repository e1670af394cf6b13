// Errors from user code, attributed to the operator, subtask and record where they happened.

import { WeirError, describeValue } from '../core/errors.ts';
import { mapStack } from '../core/stack-map.ts';

export interface OperatorInfo {
  readonly name: string;
  readonly uid: string;
  readonly subtaskIndex: number;
  readonly parallelism: number;
}

/** A user function threw. The message names the operator, its uid, the subtask and the record. */
export class OperatorError extends WeirError {
  readonly operator: OperatorInfo;
  constructor(operator: OperatorInfo, cause: unknown, record?: { value: unknown } | undefined, phase?: string) {
    const what = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
    const where = `operator "${operator.name}" (uid ${operator.uid}, subtask ${operator.subtaskIndex + 1}/${operator.parallelism})`;
    // An I/O or storage failure is not the fault of the record that happened to trigger the write.
    const external = cause instanceof WeirError && cause.fault === 'external';
    const on = record && !external ? ` on record ${describeValue(record.value)}` : phase ? ` in ${phase}` : '';
    const fault = cause instanceof WeirError ? cause.fault : 'user';
    // A user exception may be transient (a restart is tried); Weir's own errors say whether retrying helps.
    const retryable = cause instanceof WeirError ? cause.retryable : true;
    super(`${where} failed${on}: ${what}`, { code: cause instanceof WeirError ? cause.code : 'WEIR_OPERATOR_FAILED', fault, retryable, cause });
    this.name = 'OperatorError';
    this.operator = operator;
  }
}

/** Wraps once: an error already attributed to a downstream operator passes through unchanged. */
export function attribute(error: unknown, operator: OperatorInfo, record?: { value: unknown }, phase?: string): Error {
  if (error instanceof OperatorError) return error;
  return new OperatorError(operator, error, record, phase);
}

/** Plain data for an error crossing a thread or process boundary. */
export interface SerializedError {
  readonly name: string;
  readonly message: string;
  readonly code: string | undefined;
  readonly fault: string | undefined;
  /** Whether a restart can help; undefined (errors that are not Weir's) counts as yes. */
  readonly retryable?: boolean | undefined;
  /** The stack of the user's own error (the cause), else of the error itself; frames of the bundle mapped to the job's sources. */
  readonly stack: string | undefined;
}

export function serializeError(error: unknown): SerializedError {
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause;
    const stackSource = cause instanceof Error ? cause : error;
    return {
      name: error.name,
      message: error.message,
      code: (error as { code?: string }).code,
      fault: (error as { fault?: string }).fault,
      retryable: error instanceof WeirError ? error.retryable : undefined,
      stack: mapStack(stackSource.stack),
    };
  }
  return { name: 'Error', message: String(error), code: undefined, fault: undefined, stack: undefined };
}

/** The error the client sees for a failed task: message plus the user's stack. */
export class JobFailedError extends WeirError {
  readonly remoteStack: string | undefined;
  constructor(serialized: SerializedError) {
    super(serialized.message, {
      code: serialized.code ?? 'WEIR_TASK_FAILED',
      fault: (serialized.fault as 'user' | 'config' | 'external' | 'internal' | undefined) ?? 'user',
      retryable: serialized.retryable ?? true,
    });
    this.name = serialized.name;
    this.remoteStack = serialized.stack;
    if (serialized.stack) this.stack = `${this.name}: ${this.message}\nCaused by: ${serialized.stack}`;
  }
}
