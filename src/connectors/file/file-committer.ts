// Publishes the file sink's pending part files by renaming them to their final names; safe to repeat.

import { access, open, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import { WeirError } from '../../core/errors.ts';
import type { Committer } from '../sink.ts';
import type { FileCommittable } from './file-sink-writer.ts';

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Idempotent: after a restore the committables of the restored checkpoint come again, and
 * a part already renamed (pending gone, final present) counts as committed. A part with
 * neither name left means its data is gone, which is an error, never skipped silently.
 * The renames are made durable by an fsync of each directory touched.
 */
export class FileCommitter implements Committer<FileCommittable> {
  async commit(committables: readonly FileCommittable[]): Promise<void> {
    const dirs = new Set<string>();
    for (const { pendingPath, finalPath } of committables) {
      try {
        await rename(pendingPath, finalPath);
        dirs.add(dirname(finalPath));
      } catch (cause) {
        if ((cause as NodeJS.ErrnoException).code === 'ENOENT') {
          if (await exists(finalPath)) continue;
          throw new WeirError(
            `FileSink: cannot commit part '${finalPath}': neither it nor its pending file '${pendingPath}' exists (data was lost)`,
            { code: 'WEIR_FILE_SINK_COMMIT', fault: 'external', cause },
          );
        }
        throw new WeirError(`FileSink: cannot rename '${pendingPath}' to '${finalPath}': ${(cause as Error).message}`, {
          code: 'WEIR_FILE_SINK_COMMIT',
          fault: 'external',
          retryable: true,
          cause,
        });
      }
    }
    for (const dir of dirs) {
      const handle = await open(dir, 'r');
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
    }
  }
}
