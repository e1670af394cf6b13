// A bounded source of the lines of a text file or of every file of a directory, cut into byte-range splits.

import { constants as bufferConstants } from 'node:buffer';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError, WeirError } from '../../core/errors.ts';
import type { Source, SourceReader, SourceReaderContext, SourceSplit, SplitEnumeratorContext } from '../source.ts';
import { TextLineReader } from './text-line-reader.ts';

/**
 * A byte range [start, end) of one file. A line belongs to the split holding its first
 * byte. `offset` is where reading resumes: `start` for a fresh split (the reader then
 * skips to the first line start at or after `start`), or, in a checkpoint, the first
 * byte of the next line not yet emitted (always a line start).
 */
export interface FileSplit extends SourceSplit {
  readonly splitId: string;
  readonly path: string;
  readonly start: number;
  readonly end: number;
  readonly offset: number;
}

export interface TextFileSourceOptions {
  /**
   * Split size in bytes. Default: the input's total size / (parallelism × 4), within
   * [minSplitSize, maxSplitSize], so readers that take splits on request end close together.
   */
  readonly splitSize?: number;
  /** Smallest automatic split size (default 1 MiB): a file smaller than this is one split. */
  readonly minSplitSize?: number;
  /** Largest automatic split size (default 64 MiB). */
  readonly maxSplitSize?: number;
  /** Bytes read per asynchronous read (default 1 MiB); the buffer grows for longer lines. */
  readonly readChunkSize?: number;
  /** Longest line in bytes (default: V8's longest string, 0x1fffffe8); a longer line fails naming the file and its offset. */
  readonly maxLineBytes?: number;
  /** Ill-formed UTF-8: 'fail' (default) names the file and byte offset; 'replace' reads it as U+FFFD and counts it. */
  readonly invalidUtf8?: 'fail' | 'replace';
}

export const DEFAULT_MIN_SPLIT_SIZE = 1024 * 1024;
export const DEFAULT_MAX_SPLIT_SIZE = 64 * 1024 * 1024;
/** Automatic split size: this many splits per reader, so the last ones even out readers of different speed. */
export const SPLITS_PER_READER = 4;
export const DEFAULT_READ_CHUNK_SIZE = 1024 * 1024;
/** A UTF-8 line never decodes to more UTF-16 units than it has bytes, so a line up to this many bytes always fits a string. */
export const DEFAULT_MAX_LINE_BYTES = bufferConstants.MAX_STRING_LENGTH;

const OPTION_KEYS: ReadonlySet<string> = new Set(['splitSize', 'minSplitSize', 'maxSplitSize', 'readChunkSize', 'maxLineBytes', 'invalidUtf8']);

function positiveInteger(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
    throw new ConfigError(`TextFileSource option '${name}' must be a positive integer, got ${String(value)}`);
  }
  return value;
}

export class TextFileSource implements Source<string, FileSplit> {
  readonly bounded = true;
  readonly #path: string;
  readonly #splitSize: number | undefined;
  readonly #minSplitSize: number;
  readonly #maxSplitSize: number;
  readonly #readChunkSize: number;
  readonly #maxLineBytes: number;
  readonly #invalidUtf8: 'fail' | 'replace';

  constructor(pathOrDir: string, options: TextFileSourceOptions = {}) {
    if (typeof pathOrDir !== 'string' || pathOrDir.length === 0) {
      throw new ConfigError('TextFileSource needs a non-empty file or directory path');
    }
    for (const key of Object.keys(options)) {
      if (!OPTION_KEYS.has(key)) {
        throw new ConfigError(`TextFileSource: unknown option '${key}' (known: ${[...OPTION_KEYS].join(', ')})`);
      }
    }
    this.#path = pathOrDir;
    this.#splitSize = options.splitSize === undefined ? undefined : positiveInteger(options.splitSize, 'splitSize');
    this.#minSplitSize = options.minSplitSize === undefined ? DEFAULT_MIN_SPLIT_SIZE : positiveInteger(options.minSplitSize, 'minSplitSize');
    this.#maxSplitSize = options.maxSplitSize === undefined ? Math.max(DEFAULT_MAX_SPLIT_SIZE, this.#minSplitSize) : positiveInteger(options.maxSplitSize, 'maxSplitSize');
    if (this.#maxSplitSize < this.#minSplitSize) {
      throw new ConfigError(`TextFileSource option 'maxSplitSize' (${this.#maxSplitSize}) must be at least 'minSplitSize' (${this.#minSplitSize})`);
    }
    this.#readChunkSize =
      options.readChunkSize === undefined ? DEFAULT_READ_CHUNK_SIZE : positiveInteger(options.readChunkSize, 'readChunkSize');
    this.#maxLineBytes = options.maxLineBytes === undefined ? DEFAULT_MAX_LINE_BYTES : positiveInteger(options.maxLineBytes, 'maxLineBytes');
    if (this.#maxLineBytes > DEFAULT_MAX_LINE_BYTES) {
      throw new ConfigError(`TextFileSource option 'maxLineBytes' must be at most ${DEFAULT_MAX_LINE_BYTES} (the longest string V8 can hold), got ${this.#maxLineBytes}`);
    }
    const invalidUtf8 = options.invalidUtf8 ?? 'fail';
    if (invalidUtf8 !== 'fail' && invalidUtf8 !== 'replace') {
      throw new ConfigError(`TextFileSource option 'invalidUtf8' must be 'fail' or 'replace', got ${String(invalidUtf8)}`);
    }
    this.#invalidUtf8 = invalidUtf8;
  }

  /**
   * With an explicit `splitSize`: every file cut into ceil(size / splitSize) byte ranges of
   * equal size (±1 byte), so no file ends in a sliver. Automatic: see `#shrinkingSplits`. An
   * empty file gives no split.
   */
  async enumerateSplits(context?: SplitEnumeratorContext): Promise<FileSplit[]> {
    const files = await listFiles(this.#path);
    const total = files.reduce((sum, f) => sum + f.size, 0);
    const parallelism = Math.max(1, context?.parallelism ?? 1);
    if (this.#splitSize === undefined) return this.#shrinkingSplits(files, total, parallelism);
    const splits: FileSplit[] = [];
    for (const { path, size } of files) {
      const pieces = Math.ceil(size / this.#splitSize);
      for (let i = 0; i < pieces; i++) {
        const start = Math.floor((i * size) / pieces);
        const end = Math.floor(((i + 1) * size) / pieces);
        splits.push(fileSplit(path, start, end));
      }
    }
    return splits;
  }

  /**
   * Automatic sizes, shrinking towards the end of the queue (guided self-scheduling): each
   * split is what is left of the whole input (this file's rest and the files after it) /
   * (parallelism × 4), within [minSplitSize, maxSplitSize]. The first ones are the size
   * `splitSizeFor` gives; the last ones shrink to minSplitSize, so that readers taking splits
   * on request end within about one small split of each other, not one of total / (p × 4).
   * No file ends in a sliver: a file's rest of one to two pieces is cut into two equal halves
   * (so a piece is at least half its size; at the very end that is minSplitSize / 2), and a
   * file below minSplitSize stays whole.
   */
  #shrinkingSplits(files: readonly FileEntry[], total: number, parallelism: number): FileSplit[] {
    const perRound = parallelism * SPLITS_PER_READER;
    const splits: FileSplit[] = [];
    let remaining = total;
    for (const { path, size } of files) {
      let start = 0;
      while (start < size) {
        const rest = size - start;
        const want = Math.min(this.#maxSplitSize, Math.max(this.#minSplitSize, Math.ceil(remaining / perRound)));
        // A rest of one to two pieces becomes two halves, so no piece is below half of `want`.
        const len = rest <= want ? rest : rest < 2 * want ? Math.ceil(rest / 2) : want;
        splits.push(fileSplit(path, start, start + len));
        start += len;
        remaining -= len;
      }
    }
    return splits;
  }

  /** The split size for `totalBytes` of input read by `parallelism` readers. */
  splitSizeFor(totalBytes: number, parallelism: number): number {
    if (this.#splitSize !== undefined) return this.#splitSize;
    const target = Math.ceil(totalBytes / (Math.max(1, parallelism) * SPLITS_PER_READER));
    return Math.min(this.#maxSplitSize, Math.max(this.#minSplitSize, target));
  }

  createReader(context: SourceReaderContext): SourceReader<string, FileSplit> {
    return new TextLineReader(this.#readChunkSize, context.operatorName, { maxLineBytes: this.#maxLineBytes, invalidUtf8: this.#invalidUtf8 });
  }
}

function fileSplit(path: string, start: number, end: number): FileSplit {
  return { splitId: `${path}:${start}`, path, start, end, offset: start };
}

interface FileEntry {
  readonly path: string;
  readonly size: number;
}

/** Hidden and marker files (`.x`, `_SUCCESS`, in-progress sink parts) are not input. */
function isHidden(name: string): boolean {
  return name.startsWith('.') || name.startsWith('_');
}

/** The regular files under `root` (itself if it is a file), recursively, sorted by path. */
async function listFiles(root: string): Promise<FileEntry[]> {
  let info;
  try {
    info = await stat(root);
  } catch (cause) {
    throw new WeirError(`TextFileSource: cannot read input path '${root}': ${(cause as Error).message}`, {
      code: 'WEIR_FILE_NOT_FOUND',
      fault: 'config',
      cause,
    });
  }
  if (info.isFile()) return [{ path: root, size: info.size }];
  if (!info.isDirectory()) {
    throw new ConfigError(`TextFileSource: input path '${root}' is neither a file nor a directory`);
  }
  const out: FileEntry[] = [];
  const walk = async (dir: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true });
    for (const entry of entries) {
      if (isHidden(entry.name)) continue;
      const path = join(dir, entry.name);
      // Symbolic links are followed: stat tells what they point to.
      const target = entry.isSymbolicLink() ? await stat(path) : entry;
      if (target.isDirectory()) await walk(path);
      else if (target.isFile()) out.push({ path, size: (await stat(path)).size });
    }
  };
  await walk(root);
  out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return out;
}
