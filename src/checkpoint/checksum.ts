// Checksums of checkpoint bytes: SHA-256 from node:crypto, written `sha256:<hex>`.
//
// Rejected: CRC32. `zlib.crc32` needs Node >= 22.2, and a CRC32 in JS is no faster than the
// native SHA-256 while catching less. The algorithm is part of the string, so it can change.

import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';

const PREFIX = 'sha256:';

/** Starts an incremental checksum; finish it with `digestChecksum`. */
export function startChecksum(): Hash {
  return createHash('sha256');
}

export function digestChecksum(hash: Hash): string {
  return PREFIX + hash.digest('hex');
}

export function checksumOf(data: Uint8Array): string {
  return digestChecksum(startChecksum().update(data));
}

/** Streams a file through the checksum, so verifying large state needs no large buffer. */
export async function checksumOfFile(path: string): Promise<{ size: number; checksum: string }> {
  const hash = startChecksum();
  let size = 0;
  for await (const chunk of createReadStream(path)) {
    const bytes = chunk as Buffer;
    hash.update(bytes);
    size += bytes.length;
  }
  return { size, checksum: digestChecksum(hash) };
}

/** True when `text` has the shape of a checksum this module writes. */
export function isChecksum(text: string): boolean {
  return /^sha256:[0-9a-f]{64}$/.test(text);
}
