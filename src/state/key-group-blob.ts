// The binary frame of a per-key-group snapshot: a header, then one section per key group that a reader can pick alone.
//
// Layout (little-endian u32 unless said):
//   magic (4 ASCII bytes) | version | maxParallelism | rangeStart | rangeEnd | metaLength
//   | meta (v8.serialize) | offsets[size + 1] (relative to the data start) | data
// Section of key group g = data[offsets[g - start], offsets[g - start + 1]); empty = no state.
// Used by the keyed state backend ("WKS1") and the timer service ("WTS1"). Checksums are
// the checkpoint storage's job (DESIGN invariant 7), not this frame's.

import { deserialize, serialize } from 'node:v8';
import { CheckpointCorruptError } from '../core/errors.ts';
import { KeyGroupRange } from './key-groups.ts';

const VERSION = 1;
const HEADER = 24;

export interface KeyGroupBlobHeader {
  readonly maxParallelism: number;
  readonly keyGroupRange: KeyGroupRange;
  readonly meta: unknown;
}

export interface KeyGroupBlobReader extends KeyGroupBlobHeader {
  /** The bytes of one key group's section, or undefined when it holds nothing. */
  section(keyGroup: number): Uint8Array | undefined;
}

/** Frames the sections (index = keyGroup - range.start; undefined = empty) into one blob. */
export function writeKeyGroupBlob(
  magic: string,
  maxParallelism: number,
  range: KeyGroupRange,
  meta: unknown,
  sections: readonly (Uint8Array | undefined)[],
): Uint8Array {
  const metaBytes = serialize(meta);
  const n = range.size;
  let dataLength = 0;
  for (let i = 0; i < n; i++) dataLength += sections[i]?.byteLength ?? 0;
  const dataStart = HEADER + metaBytes.byteLength + 4 * (n + 1);
  const out = new Uint8Array(dataStart + dataLength);
  const view = new DataView(out.buffer);
  for (let i = 0; i < 4; i++) out[i] = magic.charCodeAt(i);
  view.setUint32(4, VERSION, true);
  view.setUint32(8, maxParallelism, true);
  view.setUint32(12, range.start, true);
  view.setUint32(16, range.end, true);
  view.setUint32(20, metaBytes.byteLength, true);
  out.set(metaBytes, HEADER);
  let offsetPos = HEADER + metaBytes.byteLength;
  let rel = 0;
  for (let i = 0; i < n; i++) {
    view.setUint32(offsetPos, rel, true);
    offsetPos += 4;
    const s = sections[i];
    if (s !== undefined) {
      out.set(s, dataStart + rel);
      rel += s.byteLength;
    }
  }
  view.setUint32(offsetPos, rel, true);
  return out;
}

/** Parses and checks a blob's header; sections are sliced lazily. `source` names the blob in errors. */
export function readKeyGroupBlob(blob: Uint8Array, magic: string, source: string): KeyGroupBlobReader {
  const bad = (why: string): never => {
    throw new CheckpointCorruptError(`${source}: not a valid "${magic}" state blob: ${why}`, source);
  };
  if (blob.byteLength < HEADER) bad(`only ${blob.byteLength} bytes`);
  for (let i = 0; i < 4; i++) if (blob[i] !== magic.charCodeAt(i)) bad('wrong magic bytes');
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const version = view.getUint32(4, true);
  if (version !== VERSION) bad(`unsupported format version ${version}`);
  const maxParallelism = view.getUint32(8, true);
  const start = view.getUint32(12, true);
  const end = view.getUint32(16, true);
  if (end < start || end >= maxParallelism) bad(`key group range [${start}, ${end}] outside [0, ${maxParallelism})`);
  const metaLength = view.getUint32(20, true);
  const n = end - start + 1;
  const dataStart = HEADER + metaLength + 4 * (n + 1);
  if (dataStart > blob.byteLength) bad('truncated header');
  let meta: unknown;
  try {
    meta = deserialize(blob.subarray(HEADER, HEADER + metaLength));
  } catch (err) {
    throw new CheckpointCorruptError(`${source}: unreadable "${magic}" metadata`, source, err);
  }
  const offsetsAt = HEADER + metaLength;
  const total = view.getUint32(offsetsAt + 4 * n, true);
  if (dataStart + total !== blob.byteLength) bad(`expected ${dataStart + total} bytes, got ${blob.byteLength}`);
  return {
    maxParallelism,
    keyGroupRange: new KeyGroupRange(start, end),
    meta,
    section(keyGroup: number): Uint8Array | undefined {
      if (keyGroup < start || keyGroup > end) return undefined;
      const i = keyGroup - start;
      const from = view.getUint32(offsetsAt + 4 * i, true);
      const to = view.getUint32(offsetsAt + 4 * i + 4, true);
      if (to < from || to > total) bad(`bad offsets for key group ${keyGroup}`);
      return to === from ? undefined : blob.subarray(dataStart + from, dataStart + to);
    },
  };
}

/** v8.deserialize with a corrupt-checkpoint error naming the blob and key group. */
export function deserializeSection(bytes: Uint8Array, source: string, keyGroup: number): unknown {
  try {
    return deserialize(bytes);
  } catch (err) {
    throw new CheckpointCorruptError(`${source}: key group ${keyGroup} cannot be decoded`, source, err);
  }
}
