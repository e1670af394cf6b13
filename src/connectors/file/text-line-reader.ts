// Reads the lines of byte-range file splits: synchronous emission from an in-memory chunk, asynchronous chunk reads.

import { isAscii } from 'node:buffer';
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import type { Collector } from '../../core/types.ts';
import { WeirError } from '../../core/errors.ts';
import { invalidUtf8Offset } from '../../serde/utf8.ts';
import type { PollStatus, SourceReader } from '../source.ts';
import type { FileSplit } from './text-file-source.ts';

const NEWLINE = 10;
const CARRIAGE_RETURN = 13;
/** How far past a split's end the first read reaches to finish its last line; doubles on each further read. */
const TAIL_READ = 4096;
const RESOLVED: Promise<void> = Promise.resolve();
const EMPTY = Buffer.alloc(0);
const REPLACEMENT = '\uFFFD';
const GENUINE_REPLACEMENT = Buffer.from(REPLACEMENT, 'utf8');
/** Node's own per-encoding decoder behind `buf.toString('latin1', a, b)`, without toString's argument handling. */
type Latin1Slicing = Buffer & { latin1Slice(start: number, end: number): string };

export interface LineDecoding {
  /** Longest line in bytes; a longer one fails with the file and its offset instead of V8's string-length error. */
  readonly maxLineBytes: number;
  /** 'fail': ill-formed UTF-8 fails with the file and offset; 'replace': it becomes U+FFFD, counted. */
  readonly invalidUtf8: 'fail' | 'replace';
}

/**
 * Line ownership: a line belongs to the split that holds its first byte. A fresh split with
 * start > 0 therefore skips everything up to and including the first `\n` at or after
 * `start - 1` (if byte start-1 is `\n`, start itself is a line start and nothing is skipped);
 * a split then emits lines while the next line start is before `end`, reading past `end`
 * to finish its last line. The skip is idempotent: a checkpointed offset equal to `start`
 * realigns to the same line, and an offset > start is always a line start.
 *
 * Buffering: one reused Buffer holds file bytes [#bufPos, #bufPos + #bufLen). Lines are
 * decoded only once complete, so a UTF-8 character cut by a read boundary is never seen
 * cut. On refill the unfinished line is moved to the front; a line longer than the buffer
 * doubles it. No read-ahead: the refill happens when the chunk is exhausted (rejected for
 * now: a second buffer prefetched during emission, which saves one read latency per chunk
 * but costs a copy of every straddling line and more state).
 *
 * Decoding: a chunk whose bytes are all ASCII (one isAscii scan per read) has its lines decoded as Latin-1, the
 * same text for those bytes without the UTF-8 decoder or the replacement check; any other chunk goes through UTF-8.
 * Per line this takes about half the time of `toString('utf8', a, b)` (bench/line-decode.mjs, on the corpus's
 * bytes). The check is per chunk, so text with any non-ASCII byte every few KiB never takes it: the word-count
 * benchmark's corpus (2.8 % of its words non-ASCII) has such a byte in every chunk. A per-line check
 * (`isAscii` of a subarray per line, then the cheaper decode) took 1.3–2.1× the time of `toString` alone there.
 *
 * Decoding checks: a line longer than `maxLineBytes` fails before the buffer grows past it.
 * Ill-formed UTF-8 is looked for only in lines whose decoded text holds U+FFFD (for a
 * Latin-1 string V8 answers `indexOf('\uFFFD')` without a scan), so the common path pays
 * nothing; then the bytes tell a replacement from a U+FFFD that was in the file.
 */
export class TextLineReader implements SourceReader<string, FileSplit> {
  readonly #operatorName: string;
  readonly #maxLineBytes: number;
  readonly #invalidUtf8: 'fail' | 'replace';
  #replaced = 0;
  readonly #queue: FileSplit[] = [];
  #queueHead = 0;

  #split: FileSplit | null = null;
  /** Next line start of the current split (while #skipping: where the search for `\n` goes on). */
  #pos = 0;
  #skipping = false;
  /** Bytes of the current unfinished line already searched for `\n` (so long lines are scanned once). */
  #scanned = 0;

  #buf: Buffer;
  #view: Buffer = EMPTY;
  /** Whether every byte of #view is ASCII: its lines are then decoded as Latin-1, which is the same text, cheaper. */
  #ascii = false;
  #bufPos = 0;
  #bufLen = 0;
  #eof = false;

  #fh: FileHandle | null = null;
  #fhPath: string | null = null;
  #pending: Promise<void> | null = null;
  #error: WeirError | null = null;

  constructor(readChunkSize: number, operatorName: string, decoding: LineDecoding) {
    this.#buf = Buffer.allocUnsafe(readChunkSize);
    this.#operatorName = operatorName;
    this.#maxLineBytes = decoding.maxLineBytes;
    this.#invalidUtf8 = decoding.invalidUtf8;
  }

  /** Ill-formed UTF-8 sequences replaced by U+FFFD so far (invalidUtf8: 'replace'). */
  get replacedSequences(): number {
    return this.#replaced;
  }

  addSplits(splits: readonly FileSplit[]): void {
    for (const split of splits) this.#queue.push({ ...split });
  }

  pendingSplits(): number {
    return this.#queue.length - this.#queueHead;
  }

  pollNext(output: Collector<string>, max: number): PollStatus {
    if (this.#error !== null) throw this.#error;
    if (this.#pending !== null) return 'wait';
    let emitted = 0;
    for (;;) {
      const split = this.#split;
      if (split === null) {
        if (!this.#nextSplit()) return 'end';
        continue;
      }
      const view = this.#view;
      const lineStart = this.#pos - this.#bufPos;
      if (this.#skipping) {
        const idx = lineStart < this.#bufLen ? view.indexOf(NEWLINE, lineStart) : -1;
        if (idx >= 0) {
          this.#pos = this.#bufPos + idx + 1;
          this.#skipping = false;
        } else if (this.#eof) {
          this.#split = null;
        } else {
          this.#pos = this.#bufPos + this.#bufLen;
          this.#startLoad(split);
          return 'wait';
        }
        continue;
      }
      if (this.#pos >= split.end) {
        this.#split = null;
        continue;
      }
      if (emitted >= max) return 'more';
      const idx = view.indexOf(NEWLINE, lineStart + this.#scanned);
      if (idx >= 0) {
        const lineEnd = idx > lineStart && view[idx - 1] === CARRIAGE_RETURN ? idx - 1 : idx;
        const line = this.#decode(split, view, lineStart, lineEnd);
        this.#pos = this.#bufPos + idx + 1;
        this.#scanned = 0;
        emitted++;
        output.collect(line);
      } else if (this.#eof) {
        // Last line of the file without a trailing newline (or the file shrank: stop either way).
        const line = lineStart < this.#bufLen ? this.#decode(split, view, lineStart, this.#bufLen) : undefined;
        this.#pos = this.#bufPos + this.#bufLen;
        this.#split = null;
        if (line !== undefined) {
          emitted++;
          output.collect(line);
        }
      } else {
        // No newline yet: fail before reading (and buffering) more of a line that is already too long.
        if (this.#bufLen - lineStart > this.#maxLineBytes) throw this.#lineTooLong(split, this.#bufPos + lineStart);
        this.#scanned = this.#bufLen - lineStart;
        this.#startLoad(split);
        return 'wait';
      }
    }
  }

  #decode(split: FileSplit, view: Buffer, start: number, end: number): string {
    if (end - start > this.#maxLineBytes) throw this.#lineTooLong(split, this.#bufPos + start);
    if (this.#ascii) return (view as Latin1Slicing).latin1Slice(start, end);
    const line = view.toString('utf8', start, end);
    if (line.indexOf(REPLACEMENT) >= 0) this.#checkReplacements(split, view, start, end, line);
    return line;
  }

  #checkReplacements(split: FileSplit, view: Buffer, start: number, end: number, line: string): void {
    const bad = invalidUtf8Offset(view, start, end);
    if (bad < 0) return; // every U+FFFD was in the file
    if (this.#invalidUtf8 === 'fail') {
      throw new WeirError(
        `${this.#operatorName}: invalid UTF-8 in '${split.path}' at byte ${this.#bufPos + bad} (in the line starting at byte ${this.#bufPos + start}); ` +
          `pass { invalidUtf8: 'replace' } to readTextFile / TextFileSource to read such bytes as U+FFFD`,
        { code: 'WEIR_INVALID_UTF8', fault: 'external', retryable: false },
      );
    }
    let decoded = 0;
    for (let i = line.indexOf(REPLACEMENT); i >= 0; i = line.indexOf(REPLACEMENT, i + 1)) decoded++;
    let genuine = 0;
    for (let i = view.indexOf(GENUINE_REPLACEMENT, start); i >= 0 && i + 3 <= end; i = view.indexOf(GENUINE_REPLACEMENT, i + 3)) genuine++;
    this.#replaced += decoded - genuine;
  }

  #lineTooLong(split: FileSplit, lineOffset: number): WeirError {
    return new WeirError(
      `${this.#operatorName}: the line starting at byte ${lineOffset} of '${split.path}' is longer than ${this.#maxLineBytes} bytes ` +
        `(maxLineBytes; the default is the longest string V8 can hold)`,
      { code: 'WEIR_LINE_TOO_LONG', fault: 'external', retryable: false },
    );
  }

  available(): Promise<void> {
    return this.#pending ?? RESOLVED;
  }

  snapshotState(_checkpointId: number): FileSplit[] {
    const out: FileSplit[] = [];
    const split = this.#split;
    if (split !== null) {
      // While skipping, nothing of this split was emitted: restart it from `start` (realigns identically).
      const offset = this.#skipping ? split.offset : this.#pos;
      if (offset < split.end) out.push({ ...split, offset });
    }
    for (let i = this.#queueHead; i < this.#queue.length; i++) out.push({ ...this.#queue[i]! });
    return out;
  }

  async close(): Promise<void> {
    if (this.#replaced > 0) {
      process.stderr.write(`weir: warning: ${this.#operatorName}: ${this.#replaced} invalid UTF-8 sequence(s) read as U+FFFD (invalidUtf8: 'replace')\n`);
    }
    if (this.#pending !== null) await this.#pending;
    const fh = this.#fh;
    this.#fh = null;
    this.#fhPath = null;
    if (fh !== null) await fh.close();
  }

  #nextSplit(): boolean {
    if (this.#queueHead >= this.#queue.length) {
      this.#queue.length = 0;
      this.#queueHead = 0;
      this.#releaseFile();
      return false;
    }
    const split = this.#queue[this.#queueHead++]!;
    this.#split = split;
    this.#skipping = split.offset <= split.start && split.start > 0;
    this.#pos = this.#skipping ? split.start - 1 : split.offset;
    this.#scanned = 0;
    // Consecutive splits of one file (a single reader, small splits): reuse the bytes in memory.
    const reuse = split.path === this.#fhPath && this.#pos >= this.#bufPos && this.#pos <= this.#bufPos + this.#bufLen;
    if (!reuse) {
      this.#bufPos = this.#pos;
      this.#bufLen = 0;
      this.#view = EMPTY;
      this.#ascii = false;
      this.#eof = false;
    }
    return true;
  }

  /** Closes the open file in the background once every split is read (close() awaits nothing then). */
  #releaseFile(): void {
    const fh = this.#fh;
    if (fh === null) return;
    this.#fh = null;
    this.#fhPath = null;
    fh.close().catch(() => {});
  }

  /** Keeps the unfinished bytes from #pos, then starts reading the next chunk after them. */
  #startLoad(split: FileSplit): void {
    const keepFrom = Math.min(Math.max(this.#pos - this.#bufPos, 0), this.#bufLen);
    const keep = this.#bufLen - keepFrom;
    let buf = this.#buf;
    if (keep === buf.length) {
      const grown = Buffer.allocUnsafe(buf.length * 2);
      buf.copy(grown, 0, keepFrom, this.#bufLen);
      this.#buf = buf = grown;
    } else if (keep > 0 && keepFrom > 0) {
      buf.copy(buf, 0, keepFrom, this.#bufLen);
    }
    this.#bufPos += keepFrom;
    this.#bufLen = keep;
    this.#view = EMPTY;
    this.#ascii = false;
    const readPos = this.#bufPos + keep;
    const free = buf.length - keep;
    const wanted = readPos < split.end ? split.end - readPos + TAIL_READ : Math.max(TAIL_READ, readPos - split.end);
    this.#pending = this.#load(split.path, readPos, Math.min(free, wanted));
  }

  async #load(path: string, position: number, length: number): Promise<void> {
    try {
      if (this.#fhPath !== path) {
        const old = this.#fh;
        this.#fh = null;
        this.#fhPath = null;
        if (old !== null) await old.close();
        this.#fh = await open(path, 'r');
        this.#fhPath = path;
      }
      const { bytesRead } = await this.#fh!.read(this.#buf, this.#bufLen, length, position);
      this.#bufLen += bytesRead;
      if (bytesRead === 0) this.#eof = true;
      this.#view = this.#buf.subarray(0, this.#bufLen);
      this.#ascii = isAscii(this.#view);
    } catch (cause) {
      this.#error = new WeirError(
        `${this.#operatorName}: failed to read '${path}' at byte ${position}: ${(cause as Error).message}`,
        { code: 'WEIR_FILE_READ', fault: 'external', retryable: true, cause },
      );
    } finally {
      this.#pending = null;
    }
  }
}
