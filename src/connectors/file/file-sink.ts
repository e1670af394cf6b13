// An exactly-once sink writing one text line per record into part files that are published at checkpoints.

import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { ConfigError } from '../../core/errors.ts';
import type { Committer, Sink, SinkRunContext, SinkWriterContext } from '../sink.ts';
import { delimiterCode } from './delimited.ts';
import { FileCommitter } from './file-committer.ts';
import { fileSinkIoError } from './file-sink-errors.ts';
import { FileSinkWriter } from './file-sink-writer.ts';
import type { FileCommittable, FileWriterState } from './file-sink-writer.ts';
import { existingPartFiles } from './part-files.ts';
import { RollingPolicy } from './rolling-policy.ts';
import type { RollingPolicyOptions } from './rolling-policy.ts';

export interface FileSinkOptions<T> {
  /** Renders a record as one line, without the newline (default `String(record)`). */
  readonly format?: (record: T) => string;
  /**
   * Instead of `format`: each record is a tuple (array) written as its fields joined by this one ASCII
   * character (`'\t'` for TSV, `','` for CSV), straight into the output buffer without a string per line.
   * Strings that hold the delimiter, a quote or a line break are quoted as RFC 4180 says (quotes doubled);
   * numbers as `String(n)`; booleans; bigints; null and undefined as empty fields.
   */
  readonly delimiter?: string;
  readonly rollingPolicy?: RollingPolicyOptions;
  /** Part files are named `<partPrefix>-<subtask>-<counter><partSuffix>` (default prefix 'part', suffix ''). */
  readonly partPrefix?: string;
  readonly partSuffix?: string;
  /**
   * A fresh (not restored) run refuses a directory that already holds finished part files of this
   * prefix/suffix, so that two runs never leave two copies side by side; `true` adds new
   * parts beside them instead (also `weir run --append-output`). Default false.
   */
  readonly append?: boolean;
}

const KEYS: ReadonlySet<string> = new Set(['format', 'delimiter', 'rollingPolicy', 'partPrefix', 'partSuffix', 'append']);

/** The Hadoop/Spark marker of a complete output directory, written after the final commit of a finished bounded job. */
export const SUCCESS_MARKER = '_SUCCESS';

function namePart(value: unknown, key: string, fallback: string, allowEmpty: boolean): string {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || (!allowEmpty && value.length === 0) || /[/\\\0]/.test(value)) {
    throw new ConfigError(
      `FileSink option '${key}' must be a ${allowEmpty ? '' : 'non-empty '}string without '/', '\\' or NUL, got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

/**
 * Row-format file sink with two-phase commit: a writer per subtask writes hidden part files
 * and, at each checkpoint barrier, hands the rolled ones to the committer, which renames
 * them once the checkpoint completed. Only finished (committed) files are visible names;
 * readers of the directory must skip names starting with '.' (as TextFileSource does).
 */
export class FileSink<T> implements Sink<T, FileCommittable, FileWriterState> {
  /** Absolute (resolved when the job is built; every thread has the same working directory). */
  readonly #dir: string;
  readonly #append: boolean;
  /** The operator's name as the JobManager gave it to checkBeforeRun, for onJobFinished's messages. */
  #operatorName = 'FileSink';
  readonly #format: (record: T) => string;
  readonly #delimiter: number | undefined;
  readonly #policy: RollingPolicy;
  readonly #prefix: string;
  readonly #suffix: string;

  constructor(dir: string, options: FileSinkOptions<T> = {}) {
    if (typeof dir !== 'string' || dir.length === 0) throw new ConfigError('FileSink needs a non-empty output directory');
    for (const key of Object.keys(options)) {
      if (!KEYS.has(key)) throw new ConfigError(`FileSink: unknown option '${key}' (known: ${[...KEYS].join(', ')})`);
    }
    if (options.format !== undefined && typeof options.format !== 'function') {
      throw new ConfigError(`FileSink option 'format' must be a function (record) => string`);
    }
    if (options.delimiter !== undefined && options.format !== undefined) {
      throw new ConfigError(`FileSink options 'format' and 'delimiter' exclude each other: a delimiter writes tuples as delimited fields, a format function writes any record`);
    }
    this.#delimiter = options.delimiter === undefined ? undefined : delimiterCode(options.delimiter);
    if (options.append !== undefined && typeof options.append !== 'boolean') {
      throw new ConfigError(`FileSink option 'append' must be a boolean, got ${JSON.stringify(options.append)}`);
    }
    this.#dir = resolve(dir);
    this.#append = options.append ?? false;
    this.#format = options.format ?? String;
    this.#policy = new RollingPolicy(options.rollingPolicy ?? {});
    this.#prefix = namePart(options.partPrefix, 'partPrefix', 'part', false);
    this.#suffix = namePart(options.partSuffix, 'partSuffix', '', true);
  }

  /** How often (ms) the runtime should call the writers' `onProcessingTime`. */
  get checkInterval(): number {
    return this.#policy.checkInterval;
  }

  /**
   * Before deployment, on the JobManager's thread: the output path must be (or become) a
   * directory; a fresh run must not mix with old part files unless appending; a stale
   * `_SUCCESS` goes, so that a run that later fails never leaves an old marker behind.
   */
  checkBeforeRun(context: SinkRunContext): void {
    this.#operatorName = context.operatorName;
    const where = `${context.operatorName}: the output path '${this.#dir}'`;
    for (let path = this.#dir; ; path = dirname(path)) {
      let isDir: boolean;
      try {
        isDir = statSync(path).isDirectory();
      } catch (cause) {
        if ((cause as NodeJS.ErrnoException).code === 'ENOENT' && dirname(path) !== path) continue;
        if ((cause as NodeJS.ErrnoException).code === 'ENOTDIR') continue; // a parent is a file: found further up
        throw new ConfigError(`${where} cannot be checked: ${(cause as Error).message}`, cause);
      }
      if (isDir) break;
      throw new ConfigError(
        path === this.#dir
          ? `${where} is an existing file, not a directory: choose a directory for --output / new FileSink(dir)`
          : `${where} cannot be a directory: '${path}' is a file`,
      );
    }
    if (!context.restored && !context.append && !this.#append) {
      // Finished parts only: hidden ones (in progress, pending) of a run that never completed a
      // checkpoint are not output, and new parts take higher counters than any of them.
      const old = existingPartFiles(this.#dir, this.#prefix, this.#suffix).filter((n) => !n.startsWith('.'));
      if (old.length > 0) {
        const shown = old.slice(0, 3).map((n) => `'${n}'`).join(', ') + (old.length > 3 ? `, … (${old.length} in all)` : '');
        throw new ConfigError(
          `${where} already holds part files of an earlier run (${shown}); a fresh run would put a second copy beside them. ` +
            `Choose an empty directory, delete them, or add to them with --append-output (weir run) or new FileSink(dir, { append: true })`,
        );
      }
    }
    try {
      rmSync(join(this.#dir, SUCCESS_MARKER), { force: true });
    } catch (cause) {
      throw fileSinkIoError(context.operatorName, `cannot remove the stale '${join(this.#dir, SUCCESS_MARKER)}'`, cause);
    }
  }

  /** The job finished because its input ended, after its last commit: mark the directory complete. */
  onJobFinished(): void {
    const marker = join(this.#dir, SUCCESS_MARKER);
    try {
      mkdirSync(this.#dir, { recursive: true });
      writeFileSync(marker, '');
    } catch (cause) {
      throw fileSinkIoError(this.#operatorName, `cannot write '${marker}'`, cause);
    }
  }

  createWriter(context: SinkWriterContext, restored: readonly FileWriterState[]): FileSinkWriter<T> {
    try {
      mkdirSync(this.#dir, { recursive: true });
    } catch (cause) {
      throw fileSinkIoError(context.operatorName, `cannot create the output directory '${this.#dir}'`, cause);
    }
    return new FileSinkWriter<T>(
      {
        dir: this.#dir,
        subtaskIndex: context.subtaskIndex,
        operatorName: context.operatorName,
        format: this.#format,
        delimiter: this.#delimiter,
        policy: this.#policy,
        partPrefix: this.#prefix,
        partSuffix: this.#suffix,
      },
      restored,
    );
  }

  createCommitter(context?: SinkWriterContext): Committer<FileCommittable> {
    return new FileCommitter(this.#dir, context?.operatorName);
  }
}
