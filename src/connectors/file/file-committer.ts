// Publishes the file sink's pending part files by renaming them to their final names; safe to repeat.

import { access, copyFile, open, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { WeirError } from '../../core/errors.ts';
import type { Committer } from '../sink.ts';
import { fileSinkIoError } from './file-sink-errors.ts';
import type { FileCommittable } from './file-sink-writer.ts';
import { locate, sameDir } from './part-files.ts';

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
 * The renames are made durable by an fsync of the directory.
 *
 * A committable written under another directory (a restore with another output) is carried
 * over: its pending file is copied here and published here; one already published in the old
 * directory stays there (its records are output already).
 */
export class FileCommitter implements Committer<FileCommittable> {
  readonly #dir: string;
  readonly #operatorName: string;

  constructor(dir: string, operatorName = 'FileSink') {
    this.#dir = dir;
    this.#operatorName = operatorName;
  }

  async commit(committables: readonly FileCommittable[]): Promise<void> {
    let renamed = false;
    let carried = 0;
    const foreignDirs = new Set<string>();
    for (const c of committables) {
      const pending = locate(c.dir, c.pendingPath);
      const finalName = locate(c.dir, c.finalPath).name;
      const pendingPath = join(this.#dir, pending.name);
      const finalPath = join(this.#dir, finalName);
      if (!sameDir(pending.dir, this.#dir)) {
        foreignDirs.add(pending.dir);
        if (await exists(finalPath)) continue;
        const oldPending = join(pending.dir, pending.name);
        if (!(await exists(pendingPath))) {
          if (await exists(oldPending)) {
            // Copied under a temporary hidden name first: a crash mid-copy never leaves a short pending file.
            const copy = `${pendingPath}.carry`;
            await this.#io(`cannot copy '${oldPending}' to '${copy}'`, () => copyFile(oldPending, copy));
            await this.#io(`cannot rename '${copy}' to '${pendingPath}'`, () => rename(copy, pendingPath));
            carried++;
          } else if (await exists(join(pending.dir, finalName))) {
            continue; // published in the old directory before the failure: its records are there
          } else {
            throw new WeirError(
              `${this.#operatorName}: cannot commit part '${finalName}': the restored state was written into '${pending.dir}' but this run ` +
                `writes into '${this.#dir}', and neither directory holds its pending file '${pending.name}' or its final file (data was lost). ` +
                `Restore with the old output directory ('${pending.dir}'), or start without --restore into an empty directory`,
              { code: 'WEIR_FILE_SINK_COMMIT', fault: 'external', retryable: false },
            );
          }
        }
        await this.#io(`cannot rename '${pendingPath}' to '${finalPath}'`, () => rename(pendingPath, finalPath));
        await unlink(oldPending).catch(() => {}); // carried over: the old copy is garbage now
        renamed = true;
        continue;
      }
      try {
        await rename(pendingPath, finalPath);
        renamed = true;
      } catch (cause) {
        if ((cause as NodeJS.ErrnoException).code === 'ENOENT') {
          if (await exists(finalPath)) continue;
          throw new WeirError(
            `${this.#operatorName}: cannot commit part '${finalPath}': neither it nor its pending file '${pendingPath}' exists (data was lost)`,
            { code: 'WEIR_FILE_SINK_COMMIT', fault: 'external', retryable: false, cause },
          );
        }
        throw fileSinkIoError(this.#operatorName, `cannot rename '${pendingPath}' to '${finalPath}'`, cause, 'WEIR_FILE_SINK_COMMIT');
      }
    }
    if (carried > 0) {
      process.stderr.write(
        `${this.#operatorName}: the restored state was written into ${[...foreignDirs].map((d) => `'${d}'`).join(', ')}; ` +
          `${carried} pending part file(s) were carried over into '${this.#dir}'\n`,
      );
    }
    if (renamed) await this.#io(`cannot fsync directory '${this.#dir}'`, () => syncDir(this.#dir));
  }

  async #io(what: string, action: () => Promise<void>): Promise<void> {
    try {
      await action();
    } catch (cause) {
      throw fileSinkIoError(this.#operatorName, what, cause, 'WEIR_FILE_SINK_COMMIT');
    }
  }
}

async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
