// Loading completed checkpoints and savepoints: verify metadata and every state file, fall back when corrupt.

import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { CheckpointCorruptError, ConfigError } from '../core/errors.ts';
import { checksumOf, checksumOfFile } from './checksum.ts';
import { scanJobDir } from './checkpoint-dirs.ts';
import { isValidStateFileName, METADATA_FILE } from './file-names.ts';
import { decodeMetadata } from './metadata-file.ts';
import type { CheckpointMetadata, LoadedCheckpoint, StateHandle } from './types.ts';

/** How many state files are verified at once. */
const VERIFY_CONCURRENCY = 8;

function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/** Reads and checks `<dir>/_metadata`; CheckpointCorruptError if it is missing or corrupt. */
export async function readMetadata(dir: string): Promise<{ metadata: CheckpointMetadata; bytes: number }> {
  const path = join(dir, METADATA_FILE);
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    if (isMissing(error)) {
      throw new CheckpointCorruptError(`Checkpoint ${dir} has no ${METADATA_FILE} file: it never completed`, path, error);
    }
    throw error;
  }
  return { metadata: decodeMetadata(bytes, path), bytes: bytes.length };
}

/** Every distinct state handle of a checkpoint, by file name. */
export function stateHandles(metadata: CheckpointMetadata): Map<string, StateHandle> {
  const handles = new Map<string, StateHandle>();
  for (const operator of metadata.operators) {
    for (const subtask of operator.subtasks) {
      for (const handle of Object.values(subtask.handles)) handles.set(handle.file, handle);
    }
  }
  return handles;
}

function statePath(dir: string, handle: StateHandle): string {
  if (!isValidStateFileName(handle.file)) {
    throw new CheckpointCorruptError(`State handle names ${JSON.stringify(handle.file)}, which is not a plain file name inside ${dir}`, dir);
  }
  return join(dir, handle.file);
}

function missingFile(path: string, error: unknown): CheckpointCorruptError {
  return new CheckpointCorruptError(`Checkpoint state file ${path} is missing (it is named in the checkpoint's ${METADATA_FILE})`, path, error);
}

function checkFile(path: string, handle: StateHandle, size: number, checksum: string): void {
  if (size !== handle.size) {
    throw new CheckpointCorruptError(`Checkpoint state file ${path} is corrupt: ${size} bytes, expected ${handle.size}`, path);
  }
  if (checksum !== handle.checksum) {
    throw new CheckpointCorruptError(`Checkpoint state file ${path} is corrupt: checksum ${checksum}, expected ${handle.checksum}`, path);
  }
}

async function verifyStateFile(dir: string, handle: StateHandle): Promise<void> {
  const path = statePath(dir, handle);
  let actual;
  try {
    actual = await checksumOfFile(path);
  } catch (error) {
    if (isMissing(error)) throw missingFile(path, error);
    throw error;
  }
  checkFile(path, handle, actual.size, actual.checksum);
}

class VerifiedCheckpoint implements LoadedCheckpoint {
  readonly path: string;
  readonly metadata: CheckpointMetadata;

  constructor(path: string, metadata: CheckpointMetadata) {
    this.path = path;
    this.metadata = metadata;
  }

  async readState(handle: StateHandle): Promise<Uint8Array> {
    const path = statePath(this.path, handle);
    let bytes: Buffer;
    try {
      bytes = await readFile(path);
    } catch (error) {
      if (isMissing(error)) throw missingFile(path, error);
      throw error;
    }
    // Checked again: the file was verified at load time, but may have changed since.
    checkFile(path, handle, bytes.length, bytes.length === handle.size ? checksumOf(bytes) : '');
    return bytes;
  }
}

/**
 * Loads a checkpoint or savepoint directory (or its `_metadata` file), verifying the metadata
 * and every state file it names before returning. ConfigError if the path does not exist;
 * CheckpointCorruptError naming the file if anything is missing, truncated or fails its checksum.
 * Files the metadata does not name (temporaries left by a crash) are ignored.
 */
export async function loadCheckpoint(path: string): Promise<LoadedCheckpoint> {
  let dir = resolve(path);
  let info;
  try {
    info = await stat(dir);
  } catch (error) {
    if (isMissing(error)) throw new ConfigError(`Checkpoint path ${dir} does not exist`, error);
    throw error;
  }
  if (info.isFile() && basename(dir) === METADATA_FILE) dir = dirname(dir);
  else if (!info.isDirectory()) throw new ConfigError(`Checkpoint path ${dir} is neither a checkpoint directory nor its ${METADATA_FILE} file`);

  const { metadata } = await readMetadata(dir);
  const handles = [...stateHandles(metadata).values()];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < handles.length) {
      const handle = handles[next++] as StateHandle;
      await verifyStateFile(dir, handle);
    }
  };
  await Promise.all(Array.from({ length: Math.min(VERIFY_CONCURRENCY, handles.length) }, worker));
  return new VerifiedCheckpoint(dir, metadata);
}

/**
 * The newest completed checkpoint under `baseDir/<jobId>` that verifies. A completed one that
 * does not (corrupt or missing file, metadata of another job or id) is reported through
 * `onWarning` and skipped for the next older one. Undefined if none is usable.
 */
export async function findLatestCheckpoint(
  baseDir: string,
  jobId: string,
  onWarning: (message: string) => void = (message) => console.warn(message),
): Promise<LoadedCheckpoint | undefined> {
  const entries = await scanJobDir(join(baseDir, jobId));
  for (let i = entries.length - 1; i >= 0; i--) {
    const entry = entries[i];
    if (entry === undefined || !entry.complete) continue;
    try {
      const loaded = await loadCheckpoint(entry.path);
      const { metadata } = loaded;
      if (metadata.jobId !== jobId || metadata.checkpointId !== entry.id || metadata.kind !== 'checkpoint') {
        throw new CheckpointCorruptError(
          `Checkpoint metadata ${join(entry.path, METADATA_FILE)} describes ${metadata.kind} ${metadata.checkpointId} of job ${metadata.jobId}, not checkpoint ${entry.id} of job ${jobId}`,
          join(entry.path, METADATA_FILE),
        );
      }
      return loaded;
    } catch (error) {
      if (!(error instanceof CheckpointCorruptError)) throw error;
      onWarning(`Skipping checkpoint ${entry.id} of job ${jobId}: ${error.message}. Falling back to an older checkpoint.`);
    }
  }
  return undefined;
}
