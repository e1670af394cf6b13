// Names inside checkpoint storage: checkpoint directories, state files, temporary files, savepoints.

import { randomBytes } from 'node:crypto';
import { checksumOf } from './checksum.ts';

/** Written last in every checkpoint and savepoint directory; its presence means "completed". */
export const METADATA_FILE = '_metadata';

const CHECKPOINT_DIR = /^chk-(0|[1-9][0-9]*)$/;
/** State files start with a letter or digit: `_` is reserved for storage files, `.` for temporaries. */
const STATE_FILE = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const MAX_NAME = 200;

export function checkpointDirName(checkpointId: number): string {
  return `chk-${checkpointId}`;
}

/** The id of a `chk-<n>` directory name, or undefined for any other name. */
export function parseCheckpointDirName(name: string): number | undefined {
  const match = CHECKPOINT_DIR.exec(name);
  if (match === null) return undefined;
  const id = Number(match[1]);
  return Number.isSafeInteger(id) ? id : undefined;
}

export function isValidStateFileName(name: string): boolean {
  return name.length <= MAX_NAME && STATE_FILE.test(name) && name !== '.' && name !== '..';
}

/**
 * A temporary name for `name` in the same directory. It starts with `.`, which no state file
 * name may, so a file left behind by a crash before its rename can never be taken for state.
 */
export function temporaryName(name: string): string {
  return `.${name}.tmp-${randomBytes(6).toString('hex')}`;
}

export function isTemporaryName(name: string): boolean {
  return name.startsWith('.');
}

/**
 * A path segment safe on every filesystem: unsafe characters become `_`, plus a hash of the
 * original if anything changed. Text that already ends like such a hash is hashed too, so an
 * escaped name can never equal another text left as it was.
 */
function safeSegment(text: string, maxLength: number): string {
  const cleaned = text.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^[._-]+/, '');
  if (cleaned === text && cleaned.length > 0 && cleaned.length <= maxLength && !/-[0-9a-f]{8}$/.test(text)) return cleaned;
  const suffix = checksumOf(new TextEncoder().encode(text)).slice('sha256:'.length, 'sha256:'.length + 8);
  return `${cleaned.slice(0, maxLength - 9) || 'x'}-${suffix}`;
}

/**
 * A state file name for one piece of a subtask's state, e.g. `window-count-3-keyed`. Distinct
 * (uid, subtask, role) triples give distinct names, escaping included, as long as roles are
 * words without `-` (`keyed`, `operator`, `source`).
 */
export function stateFileName(operatorUid: string, subtask: number, role: string): string {
  return `${safeSegment(operatorUid, 120)}-${subtask}-${safeSegment(role, 40)}`;
}

/** `savepoint-<first 6 letters or digits of the job id>-<n>-<random>`: unique and readable. */
export function savepointDirName(jobId: string, checkpointId: number): string {
  const prefix = jobId.replace(/[^A-Za-z0-9]/g, '').slice(0, 6) || 'job';
  return `savepoint-${prefix}-${checkpointId}-${randomBytes(4).toString('hex')}`;
}
