// One subtask's writer of the file sink: buffers lines, writes part files, rolls them, pre-commits at checkpoints.

import { close, closeSync, fdatasync, fstatSync, fsync, fsyncSync, ftruncateSync, openSync, readSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { CheckpointCorruptError, WeirError } from '../../core/errors.ts';
import type { SinkWriter } from '../sink.ts';
import { writeUtf8 } from '../../serde/utf8.ts';
import { encodeDelimited, formatDelimited } from './delimited.ts';
import { fileSinkIoError } from './file-sink-errors.ts';
import { highestPartCounter, locate, partNames, sameDir } from './part-files.ts';
import type { RollingPolicy } from './rolling-policy.ts';

/**
 * A rolled part file waiting to be published by renaming it. Paths are names relative to
 * `dir`, the sink's directory when it was written, so that a restore into another directory
 * can tell and carry the file over (states of older versions hold absolute paths, no `dir`).
 */
export interface FileCommittable {
  readonly dir?: string;
  readonly pendingPath: string;
  readonly finalPath: string;
}

/** The writer's checkpointed state: the open part and how many of its bytes belong to the checkpoint. */
export interface FileWriterState {
  readonly subtaskIndex: number;
  /** Next part counter of that subtask when the snapshot was taken. */
  readonly counter: number;
  /** The sink's directory when the snapshot was taken (absolute); the paths below are relative to it. */
  readonly dir?: string;
  readonly inProgress: { readonly path: string; readonly finalPath: string; readonly length: number } | null;
}

/**
 * A writer that wants a periodic processing-time callback. The Sink API has no timer hook
 * yet, so the runtime is expected to look for this shape and call `onProcessingTime(Date.now())`
 * every `checkInterval` ms, between records, from the task's thread.
 */
export interface ProcessingTimeAware {
  readonly checkInterval: number;
  onProcessingTime(now: number): void;
}

export interface FileSinkWriterConfig<T> {
  /** Absolute. */
  readonly dir: string;
  readonly subtaskIndex: number;
  readonly operatorName: string;
  readonly format: (record: T) => string;
  /** A delimiter's char code: tuples are written as delimited fields (delimited.ts) and `format` is not used. */
  readonly delimiter?: number | undefined;
  readonly policy: RollingPolicy;
  readonly partPrefix: string;
  readonly partSuffix: string;
}

/** The chunk is written to the file once it holds this many bytes. */
const FLUSH_THRESHOLD = 64 * 1024;
const CHUNK_CAPACITY = 2 * FLUSH_THRESHOLD;
/** Upper bound of UTF-8 bytes per UTF-16 code unit, for the no-overflow check before encoding. */
const MAX_BYTES_PER_UNIT = 3;
/** Lines up to this many units are encoded by a JS loop (no native call); longer ones by Buffer.write. */
const SHORT_LINE_UNITS = 256;
/** Once this many bytes of a part were written since the last write-back started, start another (see #syncAhead). */
const SYNC_AHEAD_BYTES = 4 * 1024 * 1024;
/**
 * Only where a write-back error reaches every open descriptor's next fsync (Linux's errseq, since 4.13): elsewhere an
 * error the second descriptor's fdatasync took could be missing from the part's own fsync, so no write-back ahead.
 */
const SYNC_AHEAD = process.platform === 'linux';

interface OpenPart {
  /** Absolute, for I/O and messages. */
  readonly path: string;
  /** Relative to the sink's directory, for the state and the committable. */
  readonly name: string;
  readonly finalName: string;
  readonly fd: number;
  /** Bytes on disk (the in-memory chunk not included). */
  size: number;
  readonly openedAt: number;
  lastWriteAt: number;
  /** Set once the fd is closed (rolled: fsynced first; or released on failure). */
  closed?: boolean;
  /** `size` when the last background write-back started (#syncAhead). */
  aheadFrom: number;
  /** A second descriptor of the part, read-only, for the background write-back; -1 until the first. */
  aheadFd: number;
  aheadBusy: boolean;
}

/**
 * Part lifecycle: in-progress (hidden name, open fd) → pending (closed, fsynced, listed
 * for the next prepareCommit) → finished (renamed by the committer once the checkpoint
 * completed). A part is opened by the first record after a roll, so no part is ever empty.
 * Sync fs calls happen only per chunk (≥ 64 KiB), per roll and per checkpoint.
 *
 * Per record: the format call, the line encoded straight into the chunk (a JS loop for short
 * lines: no native call, nothing retained for the GC to trace), one compare. The size policy is
 * consulted only when the chunk reaches `#checkAt` = min(FLUSH_THRESHOLD, bytes the part may
 * still take): once per chunk, yet a part still rolls right after the record that brought it
 * to maxPartSize. Rejected: one pending string per chunk (appends are cheap, but the rope lives
 * across thousands of records, so young-generation GCs copy and promote it: GC time doubled).
 */
export class FileSinkWriter<T> implements SinkWriter<T, FileCommittable, FileWriterState>, ProcessingTimeAware {
  readonly checkInterval: number;
  readonly #cfg: FileSinkWriterConfig<T>;
  readonly #chunk: Buffer = Buffer.allocUnsafe(CHUNK_CAPACITY);
  #chunkLen = 0;
  /** Consult the policy (and maybe write the chunk) once `#chunkLen` reaches this. */
  #checkAt = 0;
  #part: OpenPart | null = null;
  /** Set per record, folded into `lastWriteAt` by onProcessingTime: no clock read per record. */
  #dirty = false;
  #counter: number;
  #pending: FileCommittable[] = [];

  constructor(cfg: FileSinkWriterConfig<T>, restored: readonly FileWriterState[]) {
    this.#cfg = cfg;
    this.checkInterval = cfg.policy.checkInterval;
    let counter = highestPartCounter(cfg.dir, cfg.partPrefix, cfg.partSuffix, cfg.subtaskIndex) + 1;
    for (const state of restored) {
      validateState(state);
      if (state.subtaskIndex === cfg.subtaskIndex) counter = Math.max(counter, state.counter);
    }
    this.#counter = counter;
    // Continue one restored part (our own subtask's if there is one); the others become pending.
    const withPart = restored.filter((s) => s.inProgress !== null);
    withPart.sort((a, b) => Number(b.subtaskIndex === cfg.subtaskIndex) - Number(a.subtaskIndex === cfg.subtaskIndex));
    const carriedFrom = new Set<string>();
    for (const state of withPart) {
      const { length } = state.inProgress!;
      const from = locate(state.dir, state.inProgress!.path);
      const finalName = locate(state.dir, state.inProgress!.finalPath).name;
      const path = join(cfg.dir, from.name);
      if (!sameDir(from.dir, cfg.dir)) {
        this.#carryOver(join(from.dir, from.name), path, length, from.dir);
        carriedFrom.add(from.dir);
      }
      const fd = this.#reopenTruncated(path, length);
      const now = Date.now();
      const part: OpenPart = { path, name: from.name, finalName, fd, size: length, openedAt: now, lastWriteAt: now, aheadFrom: length, aheadFd: -1, aheadBusy: false };
      if (this.#part === null) this.#part = part;
      else this.#closePart(part);
    }
    if (carriedFrom.size > 0) {
      process.stderr.write(
        `${cfg.operatorName} (subtask ${cfg.subtaskIndex}): the restored state was written into ${[...carriedFrom].map((d) => `'${d}'`).join(', ')}; ` +
          `its in-progress part files were carried over into '${cfg.dir}'\n`,
      );
    }
  }

  write(record: T): void {
    if (this.#cfg.delimiter !== undefined) {
      this.#writeFields(record, this.#cfg.delimiter);
      return;
    }
    const text = this.#cfg.format(record);
    if (this.#part === null) this.#openPart();
    const units = text.length;
    let len = this.#chunkLen;
    if (units <= SHORT_LINE_UNITS && len + units * MAX_BYTES_PER_UNIT < CHUNK_CAPACITY) {
      len = writeUtf8(this.#chunk, len, text);
    } else {
      len = this.#writeLong(text);
    }
    this.#chunk[len++] = 10;
    this.#chunkLen = len;
    this.#dirty = true;
    if (len >= this.#checkAt) this.#checkChunk();
  }

  /** A tuple as delimited fields, encoded straight into the chunk (no line string per record). */
  #writeFields(record: T, delimiter: number): void {
    if (this.#part === null) this.#openPart();
    // The last byte of the chunk stays free for the newline.
    let len = encodeDelimited(this.#chunk, this.#chunkLen, CHUNK_CAPACITY - 1, record, delimiter, this.#cfg.operatorName);
    if (len < 0) len = this.#writeLong(formatDelimited(record, delimiter, this.#cfg.operatorName));
    this.#chunk[len++] = 10;
    this.#chunkLen = len;
    this.#dirty = true;
    if (len >= this.#checkAt) this.#checkChunk();
  }

  finish(): void {
    if (this.#part !== null) this.#roll(this.#part);
  }

  /** Pre-commit that resolves once the in-progress part's bytes are durable (see preCommit). */
  prepareCommit(): FileCommittable[] | Promise<FileCommittable[]> {
    const { committables, durable } = this.preCommit();
    return durable === undefined ? committables : durable.then(() => committables);
  }

  /**
   * Pre-commit at a checkpoint barrier: rolled parts are durable and listed at once; a part
   * that stays in progress is flushed, and its fsync runs on libuv's pool (`durable`) while the
   * task goes on writing after the checkpointed length (a restore truncates to that length, and
   * an fsync covers every byte written before it was issued). The runtime acknowledges the
   * checkpoint once `durable` resolved. Its length goes into snapshotState afterwards.
   */
  preCommit(): { committables: FileCommittable[]; durable?: Promise<void> } {
    const part = this.#part;
    let syncInProgress = false;
    if (part !== null) {
      this.#flushChunk(part);
      if (this.#cfg.policy.shouldRollOnCheckpoint(part.size)) this.#roll(part);
      else syncInProgress = true;
    }
    const committables = this.#pending;
    this.#pending = [];
    if (!syncInProgress || part === null) return { committables };
    const durable = new Promise<void>((resolve, reject) => {
      fsync(part.fd, (cause) => {
        // Rolled meanwhile: the roll fsynced the part before closing it, so its bytes are durable anyway.
        if (cause && !part.closed) reject(this.#ioError(`cannot fsync part file '${part.path}'`, cause));
        else resolve();
      });
    });
    return { committables, durable };
  }

  snapshotState(_checkpointId: number): FileWriterState[] {
    const part = this.#part;
    if (part !== null && this.#chunkLen > 0) {
      // The runtime always calls prepareCommit first; stay correct if it did not.
      this.#flushChunk(part);
      this.#sync(part);
    }
    return [
      {
        subtaskIndex: this.#cfg.subtaskIndex,
        counter: this.#counter,
        dir: this.#cfg.dir,
        inProgress: part === null ? null : { path: part.name, finalPath: part.finalName, length: part.size },
      },
    ];
  }

  onProcessingTime(now: number): void {
    const part = this.#part;
    if (part === null) return;
    if (this.#dirty) {
      part.lastWriteAt = now;
      this.#dirty = false;
    }
    if (this.#cfg.policy.shouldRollOnProcessingTime(now, part.openedAt, part.lastWriteAt)) this.#roll(part);
  }

  /** Releases the open file without flushing: bytes after the last checkpoint are dropped anyway on restore. */
  close(): void {
    const part = this.#part;
    this.#part = null;
    this.#chunkLen = 0;
    if (part !== null) {
      part.closed = true;
      closeSync(part.fd);
      this.#releaseAhead(part);
    }
  }

  /** A line that may not fit the chunk: the chunk goes first, a huge line to the file directly. Returns the chunk length. */
  #writeLong(text: string): number {
    const part = this.#part!;
    // One byte stays free for the newline.
    if (text.length * MAX_BYTES_PER_UNIT >= CHUNK_CAPACITY - this.#chunkLen) {
      this.#writeChunk(part);
      if (text.length * MAX_BYTES_PER_UNIT >= CHUNK_CAPACITY) {
        this.#writeBytes(part, Buffer.from(text, 'utf8'));
        return 0;
      }
    }
    return this.#chunkLen + this.#chunk.write(text, this.#chunkLen);
  }

  /** The chunk reached `#checkAt`: roll when the part reached maxPartSize, write the chunk when full. */
  #checkChunk(): void {
    const part = this.#part!;
    if (this.#cfg.policy.shouldRollOnWrite(part.size + this.#chunkLen)) {
      this.#roll(part);
      return;
    }
    if (this.#chunkLen >= FLUSH_THRESHOLD) this.#writeChunk(part);
    this.#setCheckAt(part);
  }

  #setCheckAt(part: OpenPart): void {
    this.#checkAt = Math.min(FLUSH_THRESHOLD, this.#cfg.policy.maxPartSize - part.size);
  }

  #openPart(): OpenPart {
    const { dir, partPrefix, partSuffix, subtaskIndex } = this.#cfg;
    for (;;) {
      const names = partNames(partPrefix, partSuffix, subtaskIndex, this.#counter++);
      const path = join(dir, names.inProgressName);
      let fd: number;
      try {
        fd = openSync(path, 'wx');
      } catch (cause) {
        // Someone created that name since the scan: take the next counter rather than overwrite it.
        if ((cause as NodeJS.ErrnoException).code === 'EEXIST') continue;
        throw this.#ioError(`cannot create part file '${path}'`, cause);
      }
      const now = Date.now();
      this.#dirty = false;
      this.#part = { path, name: names.inProgressName, finalName: names.finalName, fd, size: 0, openedAt: now, lastWriteAt: now, aheadFrom: 0, aheadFd: -1, aheadBusy: false };
      this.#setCheckAt(this.#part);
      return this.#part;
    }
  }

  #flushChunk(part: OpenPart): void {
    this.#writeChunk(part);
    this.#setCheckAt(part);
  }

  #writeChunk(part: OpenPart): void {
    if (this.#chunkLen === 0) return;
    this.#writeBytes(part, this.#chunk.subarray(0, this.#chunkLen));
    this.#chunkLen = 0;
  }

  #writeBytes(part: OpenPart, bytes: Buffer): void {
    let done = 0;
    try {
      while (done < bytes.length) {
        done += writeSync(part.fd, bytes, done, bytes.length - done, part.size + done);
      }
    } catch (cause) {
      throw this.#ioError(`cannot write part file '${part.path}'`, cause);
    } finally {
      part.size += done;
    }
    if (SYNC_AHEAD && part.size - part.aheadFrom >= SYNC_AHEAD_BYTES) this.#syncAhead(part);
  }

  /**
   * Starts writing the part's bytes so far back to disk on libuv's pool (fdatasync), one at a
   * time, so that the fsync at a roll, a checkpoint or the end of the input finds only the last
   * few MiB dirty instead of the whole part: that fsync waits in the task, this one does not.
   * Durability does not rest on it. It goes through a second, read-only descriptor of the
   * file, and its result is ignored: Linux reports a write-back error to every open file
   * description on its next fsync (errseq), so this one seeing an error does not hide it from
   * the fsync on `part.fd` that the checkpoint or the roll relies on.
   */
  #syncAhead(part: OpenPart): void {
    if (part.aheadBusy || part.closed) return;
    part.aheadFrom = part.size;
    if (part.aheadFd < 0) {
      try {
        part.aheadFd = openSync(part.path, 'r');
      } catch {
        part.aheadFrom = Number.POSITIVE_INFINITY; // no second descriptor (EMFILE, say): no write-back ahead for this part
        return;
      }
    }
    part.aheadBusy = true;
    fdatasync(part.aheadFd, () => {
      part.aheadBusy = false;
      if (part.closed) this.#releaseAhead(part);
    });
  }

  /** Closes the write-back descriptor once no fdatasync runs on it (it may not be reused meanwhile). */
  #releaseAhead(part: OpenPart): void {
    if (part.aheadFd < 0 || part.aheadBusy) return;
    const fd = part.aheadFd;
    part.aheadFd = -1;
    close(fd, () => {});
  }

  #sync(part: OpenPart): void {
    try {
      fsyncSync(part.fd);
    } catch (cause) {
      throw this.#ioError(`cannot fsync part file '${part.path}'`, cause);
    }
  }

  #roll(part: OpenPart): void {
    this.#flushChunk(part);
    this.#part = null;
    this.#closePart(part);
  }

  /** Makes a part pending: durable, closed, and returned by the next prepareCommit (an empty part is dropped). */
  #closePart(part: OpenPart): void {
    this.#sync(part);
    part.closed = true;
    closeSync(part.fd);
    this.#releaseAhead(part);
    if (part.size === 0) unlinkSync(part.path);
    else this.#pending.push({ dir: this.#cfg.dir, pendingPath: part.name, finalPath: part.finalName });
  }

  /**
   * Restore into another directory than the state's: copies the checkpointed bytes of the old
   * in-progress file to the same name here (the old file stays, hidden, so that a second
   * restore of the same state can copy it again). A missing or short old file cannot heal.
   */
  #carryOver(oldPath: string, newPath: string, length: number, oldDir: string): void {
    const lost = (why: string, cause?: unknown): WeirError =>
      new WeirError(
        `${this.#cfg.operatorName}: the restored state was written into '${oldDir}' but this run writes into '${this.#cfg.dir}', ` +
          `and its in-progress part file '${oldPath}' ${why}, so its ${length} checkpointed bytes cannot be carried over. ` +
          `Restore with the old output directory ('${oldDir}'), or start without --restore into an empty directory`,
        { code: 'WEIR_FILE_SINK_RESTORE', fault: 'external', retryable: false, cause },
      );
    let from: number;
    try {
      from = openSync(oldPath, 'r');
    } catch (cause) {
      throw lost(`cannot be opened (${(cause as Error).message})`, cause);
    }
    try {
      const size = fstatSync(from).size;
      if (size < length) throw lost(`has only ${size} bytes`);
      let to: number;
      try {
        to = openSync(newPath, 'w');
      } catch (cause) {
        throw this.#ioError(`cannot create part file '${newPath}'`, cause);
      }
      try {
        const buffer = Buffer.allocUnsafe(Math.min(length, 1 << 20));
        for (let done = 0; done < length;) {
          const n = readSync(from, buffer, 0, Math.min(buffer.length, length - done), done);
          if (n === 0) throw lost(`ended after ${done} bytes`);
          for (let w = 0; w < n;) w += writeSync(to, buffer, w, n - w, done + w);
          done += n;
        }
        fsyncSync(to);
      } catch (cause) {
        if (cause instanceof WeirError) throw cause;
        throw this.#ioError(`cannot copy '${oldPath}' to '${newPath}'`, cause);
      } finally {
        closeSync(to);
      }
    } finally {
      closeSync(from);
    }
  }

  #reopenTruncated(path: string, length: number): number {
    let fd: number;
    try {
      fd = openSync(path, 'r+');
    } catch (cause) {
      throw new WeirError(
        `${this.#cfg.operatorName}: the in-progress part file '${path}' of the restored checkpoint cannot be opened (` +
          `${(cause as Error).message}); its ${length} checkpointed bytes are lost`,
        { code: 'WEIR_FILE_SINK_RESTORE', fault: 'external', retryable: false, cause },
      );
    }
    const size = fstatSync(fd).size;
    if (size < length) {
      closeSync(fd);
      throw new WeirError(
        `${this.#cfg.operatorName}: the in-progress part file '${path}' has ${size} bytes but the restored checkpoint ` +
          `needs ${length}: data was lost`,
        { code: 'WEIR_FILE_SINK_RESTORE', fault: 'external', retryable: false },
      );
    }
    if (size > length) ftruncateSync(fd, length);
    return fd;
  }

  #ioError(what: string, cause: unknown): WeirError {
    return fileSinkIoError(this.#cfg.operatorName, what, cause);
  }
}

function validateState(state: FileWriterState): void {
  const p = state?.inProgress;
  const ok =
    typeof state === 'object' &&
    state !== null &&
    Number.isSafeInteger(state.subtaskIndex) &&
    Number.isSafeInteger(state.counter) &&
    (state.dir === undefined || typeof state.dir === 'string') &&
    (p === null ||
      (typeof p === 'object' && typeof p.path === 'string' && typeof p.finalPath === 'string' && Number.isSafeInteger(p.length) && p.length >= 0));
  if (!ok) {
    throw new CheckpointCorruptError(`FileSink: malformed restored writer state ${JSON.stringify(state)}`, '');
  }
}
