// Blocking shuffle on local disk: one sorted data file per producer partition with an index; readers start after the producer finished.
//
// Writer: encoded buffers (the network's batch codec, as for channels between threads) are
// collected per subpartition up to a memory budget; then they are written as one region of the
// data file, subpartition by subpartition, and the index notes each subpartition's segment
// (offset, length). At the end of input the last region goes out, then the index is written
// to a temporary name and renamed: a partition whose index exists is complete. One file per
// producer, not one per channel (as Flink's sort-merge shuffle): a p × p exchange makes p files.
// Segment layout: buffers as u32 little-endian length + bytes.
//
// Reader: one input channel per producer partition, reading its subpartitions' segments in
// order, a buffer at a time with readSync: a few buffers are queued ahead and each consumed
// buffer (its returned credit) reads the next, then end-of-data. Partition files stay until
// the job ends (a failed consumer region reads them again).

import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { WeirError } from '../../core/errors.ts';
import { END_OF_DATA, type ChannelItem } from '../../runtime/events.ts';
import { InputChannel } from '../../runtime/network/input-channel.ts';
import { OutputChannel, type ChannelTransport } from '../../runtime/network/output-channel.ts';
import type {
  PartitionDescriptor, PartitionReaderContext, PartitionWriterContext, ResultPartitionId, ShuffleMaster, ShuffleReaderFactory, ShuffleWriterFactory,
} from './api.ts';

/** Buffers a reader queues ahead per channel. */
const READ_AHEAD = 4;

interface PartitionIndex {
  readonly version: 1;
  /** Per subpartition: its segments [offset, length] in file order, and its total bytes. */
  readonly subpartitions: { segments: [number, number][]; bytes: number }[];
}

export function partitionPath(dir: string, id: ResultPartitionId): string {
  return join(dir, `e${id.edge}-p${id.producer}-a${id.attempt}.shuffle`);
}

/** A partition that cannot be read: its producer's region must run again. */
export class PartitionNotFoundError extends WeirError {
  constructor(message: string) {
    super(message, { code: 'WEIR_PARTITION_NOT_FOUND', fault: 'external', retryable: true });
    this.name = 'PartitionNotFoundError';
  }
}

class SortedPartitionFile {
  readonly #path: string;
  readonly #memory: number;
  readonly #pending: Buffer[][];
  readonly #index: PartitionIndex;
  readonly #ended: boolean[];
  #endedCount = 0;
  #pendingBytes = 0;
  #fd: number;
  #offset = 0;

  constructor(path: string, numSubpartitions: number, memoryBytes: number) {
    this.#path = path;
    this.#memory = memoryBytes;
    this.#pending = Array.from({ length: numSubpartitions }, () => []);
    this.#ended = new Array<boolean>(numSubpartitions).fill(false);
    this.#index = { version: 1, subpartitions: Array.from({ length: numSubpartitions }, () => ({ segments: [], bytes: 0 })) };
    this.#fd = openSync(path, 'w');
  }

  append(subpartition: number, buffer: ArrayBuffer): void {
    const used = new DataView(buffer).getUint32(0, true);
    const copy = Buffer.allocUnsafe(used + 4);
    copy.writeUInt32LE(used, 0);
    copy.set(new Uint8Array(buffer, 0, used), 4);
    this.#pending[subpartition]!.push(copy);
    this.#pendingBytes += copy.length;
    if (this.#pendingBytes >= this.#memory) this.#writeRegion();
  }

  /** One sorted region: every subpartition's pending buffers, subpartition by subpartition. */
  #writeRegion(): void {
    for (let s = 0; s < this.#pending.length; s++) {
      const buffers = this.#pending[s]!;
      if (buffers.length === 0) continue;
      const chunk = buffers.length === 1 ? buffers[0]! : Buffer.concat(buffers);
      writeSync(this.#fd, chunk, 0, chunk.length, this.#offset);
      const sub = this.#index.subpartitions[s]!;
      sub.segments.push([this.#offset, chunk.length]);
      sub.bytes += chunk.length;
      this.#offset += chunk.length;
      this.#pending[s] = [];
    }
    this.#pendingBytes = 0;
  }

  endSubpartition(subpartition: number): void {
    if (this.#ended[subpartition]) return;
    this.#ended[subpartition] = true;
    if (++this.#endedCount === this.#ended.length) this.#finish();
  }

  #finish(): void {
    this.#writeRegion();
    closeSync(this.#fd);
    this.#fd = -1;
    const tmp = `${this.#path}.index.tmp`;
    writeFileSync(tmp, JSON.stringify(this.#index));
    renameSync(tmp, `${this.#path}.index`);
  }

  abort(): void {
    if (this.#fd >= 0) closeSync(this.#fd);
    this.#fd = -1;
  }
}

/** Writer and reader roles of the local-disk shuffle (one per slot and deployment). */
export class LocalDiskShuffle implements ShuffleWriterFactory, ShuffleReaderFactory {
  readonly #dir: string;
  readonly #files: SortedPartitionFile[] = [];

  constructor(dir: string) {
    this.#dir = dir;
    mkdirSync(dir, { recursive: true });
  }

  createPartitionWriter(context: PartitionWriterContext): OutputChannel[] {
    const file = new SortedPartitionFile(partitionPath(this.#dir, context.id), context.numSubpartitions, context.memoryBytes);
    this.#files.push(file);
    return Array.from({ length: context.numSubpartitions }, (_, s) => {
      let channel: OutputChannel | undefined;
      const transport: ChannelTransport = {
        // Not local: the record writer encodes records as for another thread, and the buffer is copied into the file's region.
        local: false,
        deliver: (_id, item: ChannelItem) => {
          if (item instanceof ArrayBuffer) {
            file.append(s, item);
            channel!.addCredit(item);
          } else if ((item as { type?: string }).type === 'end-of-data') {
            file.endSubpartition(s);
          }
        },
      };
      channel = new OutputChannel(-1 - s, 2, transport);
      return channel;
    });
  }

  createPartitionReader(context: PartitionReaderContext): InputChannel {
    const { partition, subpartitions, wake } = context;
    const path = partition.location;
    const index = readIndex(path, partition.id);
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch (cause) {
      throw new PartitionNotFoundError(`blocking partition of edge ${partition.id.edge} from producer subtask ${partition.id.producer} (attempt ${partition.id.attempt}) cannot be opened at '${path}': ${(cause as Error).message}`);
    }
    const segments: [number, number][] = subpartitions.flatMap((s) => index.subpartitions[s]?.segments ?? []);
    let seg = 0;
    let pos = 0;
    let ended = false;
    const header = Buffer.allocUnsafe(4);
    const next = (): ArrayBuffer | undefined => {
      while (seg < segments.length && pos >= segments[seg]![1]) { seg++; pos = 0; }
      if (seg >= segments.length) return undefined;
      const [offset] = segments[seg]!;
      if (readSync(fd, header, 0, 4, offset + pos) !== 4) throw new PartitionNotFoundError(`blocking partition '${path}' is truncated at byte ${offset + pos}`);
      const length = header.readUInt32LE(0);
      const buffer = new ArrayBuffer(length);
      if (readSync(fd, new Uint8Array(buffer), 0, length, offset + pos + 4) !== length) throw new PartitionNotFoundError(`blocking partition '${path}' is truncated at byte ${offset + pos + 4}`);
      pos += 4 + length;
      return buffer;
    };
    const feed = (): void => {
      if (ended) return;
      const buffer = next();
      if (buffer === undefined) {
        ended = true;
        closeSync(fd);
        channel.push(END_OF_DATA);
      } else {
        channel.push(buffer);
      }
      wake();
    };
    const channel: InputChannel = new InputChannel(-1 - context.index, context.index, () => feed());
    for (let i = 0; i < READ_AHEAD && !ended; i++) feed();
    return channel;
  }

  /** A failed or cancelled producer: its unfinished files are never registered (the rerun writes new ones). */
  abort(): void {
    for (const f of this.#files) f.abort();
  }
}

function readIndex(path: string, id: ResultPartitionId): PartitionIndex {
  try {
    return JSON.parse(readFileSync(`${path}.index`, 'utf8')) as PartitionIndex;
  } catch (cause) {
    throw new PartitionNotFoundError(`blocking partition of edge ${id.edge} from producer subtask ${id.producer} (attempt ${id.attempt}) is missing or incomplete at '${path}': ${(cause as Error).message}`);
  }
}

/** Master role of the local-disk shuffle: partitions live under one directory per job run. */
export class LocalDiskShuffleMaster implements ShuffleMaster {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = dir;
  }

  registerPartition(id: ResultPartitionId): PartitionDescriptor {
    const location = partitionPath(this.dir, id);
    const index = readIndex(location, id);
    return { id, location, subpartitionBytes: index.subpartitions.map((s) => s.bytes) };
  }

  isAvailable(partition: PartitionDescriptor): boolean {
    return existsSync(partition.location) && existsSync(`${partition.location}.index`);
  }

  releasePartitions(partitions: readonly PartitionDescriptor[]): void {
    for (const p of partitions) {
      rmSync(p.location, { force: true });
      rmSync(`${p.location}.index`, { force: true });
    }
  }

  releaseAll(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
