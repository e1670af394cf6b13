// Finding checkpoint directories under a job directory and telling completed ones from the rest.

import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { METADATA_FILE, parseCheckpointDirName } from './file-names.ts';

export interface CheckpointDirEntry {
  readonly id: number;
  readonly path: string;
  /** Has `_metadata`: completed (not yet verified). Without it the checkpoint is in progress, aborted or crashed. */
  readonly complete: boolean;
}

function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

export async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch (error) {
    if (isMissing(error)) return false;
    throw error;
  }
}

/** The `chk-<n>` directories of a job directory, ascending by id; none if the directory does not exist. */
export async function scanJobDir(jobDir: string): Promise<CheckpointDirEntry[]> {
  let entries;
  try {
    entries = await readdir(jobDir, { withFileTypes: true });
  } catch (error) {
    if (isMissing(error)) return [];
    throw error;
  }
  const found: CheckpointDirEntry[] = [];
  for (const entry of entries) {
    if (!entry.isDirectory()) continue;
    const id = parseCheckpointDirName(entry.name);
    if (id === undefined) continue;
    const path = join(jobDir, entry.name);
    found.push({ id, path, complete: await isFile(join(path, METADATA_FILE)) });
  }
  return found.sort((a, b) => a.id - b.id);
}
