// Errors of the file sink: I/O failures name the operator, the file and the errno, and say whether a retry can help.

import { WeirError } from '../../core/errors.ts';

/** Errnos that a restart cannot heal: the path has the wrong kind or cannot ever be written. */
const PERMANENT: ReadonlySet<string> = new Set(['ENOTDIR', 'EISDIR', 'EEXIST', 'EROFS', 'ENAMETOOLONG', 'EINVAL', 'ELOOP', 'EBADF']);

/**
 * An I/O error of the sink, `fault: 'external'`: it is about the file system, never about the
 * record that happened to trigger a flush. ENOSPC, EACCES and the like can heal (retryable).
 */
export function fileSinkIoError(operatorName: string, what: string, cause: unknown, code = 'WEIR_FILE_SINK_IO'): WeirError {
  const errno = (cause as NodeJS.ErrnoException | undefined)?.code;
  const text = cause instanceof Error ? cause.message : String(cause);
  const detail = errno !== undefined && !text.startsWith(errno) ? `${errno}: ${text}` : text;
  return new WeirError(`${operatorName}: ${what}: ${detail}`, {
    code,
    fault: 'external',
    retryable: errno === undefined || !PERMANENT.has(errno),
    cause,
  });
}
