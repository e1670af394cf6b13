// Durable file writes for checkpoints: temporary name, fsync, rename, and fsync of the directory.

import { open, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { digestChecksum, startChecksum } from './checksum.ts';
import { temporaryName } from './file-names.ts';

/**
 * Writes in slices so that checksumming a large state file interleaves with the I/O instead
 * of blocking the event loop for the whole buffer at once (DESIGN invariant 6).
 */
const SLICE = 1 << 20;

/**
 * Writes `data` to `dir/name` so that the name either does not exist or holds all the bytes:
 * the bytes go to a temporary name, are fsynced, then renamed. Resolves to the checksum of
 * the bytes written. The rename is made durable by `syncDirectory(dir)`, which callers do
 * once for many files.
 */
export async function writeFileAtomic(dir: string, name: string, data: Uint8Array): Promise<string> {
  const temporary = join(dir, temporaryName(name));
  const hash = startChecksum();
  const file = await open(temporary, 'wx');
  try {
    for (let offset = 0; offset < data.length; ) {
      const slice = data.subarray(offset, Math.min(offset + SLICE, data.length));
      hash.update(slice);
      let written = 0;
      while (written < slice.length) {
        const result = await file.write(slice, written, slice.length - written);
        written += result.bytesWritten;
      }
      offset += slice.length;
    }
    await file.sync();
    await file.close();
    await rename(temporary, join(dir, name));
  } catch (error) {
    await file.close().catch(() => undefined);
    await unlink(temporary).catch(() => undefined);
    throw error;
  }
  return digestChecksum(hash);
}

/** Makes renames and creations inside `dir` durable. A no-op where directories cannot be fsynced (Windows). */
export async function syncDirectory(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EPERM' && code !== 'EINVAL' && code !== 'EBADF' && code !== 'EACCES') throw error;
  } finally {
    await handle?.close().catch(() => undefined);
  }
}
