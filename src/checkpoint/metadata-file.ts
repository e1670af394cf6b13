// The `_metadata` file: a checksummed header line, then the metadata as JSON.
//
// Format: `weir-checkpoint-metadata 1 <body bytes> sha256:<hex>\n<JSON body>`. The header
// carries the body's length and checksum, so truncation and bit flips are both detected, and
// the body stays readable with `tail -n +2 _metadata | jq`.
// Rejected: a wrapper object `{checksum, body}`, which needs a canonical JSON to re-hash.

import { CheckpointCorruptError } from '../core/errors.ts';
import { checksumOf, isChecksum } from './checksum.ts';
import { isValidStateFileName } from './file-names.ts';
import type { CheckpointMetadata } from './types.ts';

const MAGIC = 'weir-checkpoint-metadata';
const HEADER = /^weir-checkpoint-metadata 1 (0|[1-9][0-9]*) (sha256:[0-9a-f]{64})$/;
const NEWLINE = 0x0a;
const MAX_HEADER = 200;

export function encodeMetadata(metadata: CheckpointMetadata): Uint8Array {
  const body = Buffer.from(JSON.stringify(metadata, null, 2), 'utf8');
  const header = Buffer.from(`${MAGIC} 1 ${body.length} ${checksumOf(body)}\n`, 'utf8');
  return Buffer.concat([header, body]);
}

/** Decodes and validates a `_metadata` file; CheckpointCorruptError naming `path` on any problem. */
export function decodeMetadata(bytes: Uint8Array, path: string): CheckpointMetadata {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const end = buffer.indexOf(NEWLINE);
  if (end < 0 || end > MAX_HEADER) {
    throw new CheckpointCorruptError(`Checkpoint metadata ${path} is corrupt: no valid header line (truncated or not a Weir _metadata file)`, path);
  }
  const match = HEADER.exec(buffer.toString('utf8', 0, end));
  if (match === null) {
    throw new CheckpointCorruptError(`Checkpoint metadata ${path} is corrupt: unrecognised header line`, path);
  }
  const expectedLength = Number(match[1]);
  const body = buffer.subarray(end + 1);
  if (body.length !== expectedLength) {
    throw new CheckpointCorruptError(
      `Checkpoint metadata ${path} is corrupt: body is ${body.length} bytes, the header says ${expectedLength} (truncated?)`,
      path,
    );
  }
  const actual = checksumOf(body);
  if (actual !== match[2]) {
    throw new CheckpointCorruptError(`Checkpoint metadata ${path} is corrupt: checksum ${actual}, the header says ${match[2]}`, path);
  }
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw new CheckpointCorruptError(`Checkpoint metadata ${path} is corrupt: its body is not JSON`, path, error);
  }
  const problem = metadataProblem(value);
  if (problem !== undefined) throw new CheckpointCorruptError(`Checkpoint metadata ${path} is invalid: ${problem}`, path);
  return value as CheckpointMetadata;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** What is wrong with a metadata document, naming the field, or undefined if it is well formed. */
export function metadataProblem(value: unknown): string | undefined {
  if (!isRecord(value)) return 'the metadata is not an object';
  if (value.version !== 1) return `version is ${JSON.stringify(value.version)}, expected 1`;
  for (const field of ['jobId', 'jobName'] as const) {
    if (typeof value[field] !== 'string') return `${field} is not a string`;
  }
  for (const field of ['checkpointId', 'timestamp', 'durationMs', 'maxParallelism'] as const) {
    if (!isCount(value[field])) return `${field} is not a non-negative integer`;
  }
  if (value.kind !== 'checkpoint' && value.kind !== 'savepoint') return `kind is ${JSON.stringify(value.kind)}, expected "checkpoint" or "savepoint"`;
  if (value.extra !== undefined && !isRecord(value.extra)) return 'extra is not an object';
  if (!Array.isArray(value.operators)) return 'operators is not an array';
  for (const [i, operator] of (value.operators as unknown[]).entries()) {
    const at = `operators[${i}]`;
    if (!isRecord(operator)) return `${at} is not an object`;
    if (typeof operator.uid !== 'string') return `${at}.uid is not a string`;
    if (typeof operator.name !== 'string') return `${at}.name is not a string`;
    if (!isCount(operator.parallelism)) return `${at}.parallelism is not a non-negative integer`;
    if (!Array.isArray(operator.subtasks)) return `${at}.subtasks is not an array`;
    for (const [j, subtask] of (operator.subtasks as unknown[]).entries()) {
      const sub = `${at}.subtasks[${j}]`;
      if (!isRecord(subtask)) return `${sub} is not an object`;
      if (!isCount(subtask.subtask)) return `${sub}.subtask is not a non-negative integer`;
      if (!isRecord(subtask.handles)) return `${sub}.handles is not an object`;
      for (const [role, handle] of Object.entries(subtask.handles)) {
        const h = `${sub}.handles.${role}`;
        if (!isRecord(handle)) return `${h} is not an object`;
        if (typeof handle.file !== 'string' || !isValidStateFileName(handle.file)) {
          return `${h}.file ${JSON.stringify(handle.file)} is not a plain state file name`;
        }
        if (!isCount(handle.size)) return `${h}.size is not a non-negative integer`;
        if (typeof handle.checksum !== 'string' || !isChecksum(handle.checksum)) return `${h}.checksum is not a sha256 checksum`;
      }
    }
  }
  return undefined;
}
