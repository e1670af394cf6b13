// Job bundles stored by content (sha256), as Flink's blob server: sent once, cached by every process that ran them.

import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { WeirError } from '../core/errors.ts';

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export class BlobStore {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = dir;
  }

  /** The directory of one bundle: `bundle.mjs` and, on TaskManagers, the slot worker script beside it. */
  dirOf(hash: string): string {
    if (!/^[0-9a-f]{64}$/.test(hash)) throw new WeirError(`not a bundle hash: ${JSON.stringify(hash)}`, { code: 'WEIR_CLUSTER_PROTOCOL', fault: 'external' });
    return join(this.dir, hash);
  }

  bundlePath(hash: string): string {
    return join(this.dirOf(hash), 'bundle.mjs');
  }

  has(hash: string): boolean {
    return existsSync(this.bundlePath(hash));
  }

  /** Stores a bundle after checking its hash; written to a temporary name and renamed, so a reader never sees half a file. */
  put(hash: string, bytes: Uint8Array): string {
    const actual = sha256(bytes);
    if (actual !== hash) throw new WeirError(`job bundle damaged in transit: sha256 ${actual}, expected ${hash}`, { code: 'WEIR_BUNDLE_CORRUPT', fault: 'external', retryable: true });
    const dir = this.dirOf(hash);
    mkdirSync(dir, { recursive: true });
    const path = this.bundlePath(hash);
    if (!existsSync(path)) {
      const tmp = `${path}.${process.pid}.tmp`;
      writeFileSync(tmp, bytes);
      renameSync(tmp, path);
    }
    return path;
  }

  /** A script next to the bundle (the slot worker entry), written once. */
  script(hash: string, name: string, text: string): string {
    const path = join(this.dirOf(hash), name);
    if (!existsSync(path)) {
      const tmp = `${path}.${process.pid}.tmp`;
      writeFileSync(tmp, text);
      renameSync(tmp, path);
    }
    return path;
  }

  read(hash: string): Promise<Buffer> {
    return readFile(this.bundlePath(hash));
  }
}
