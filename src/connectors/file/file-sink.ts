// An exactly-once sink writing one text line per record into part files that are published at checkpoints.

import { mkdirSync } from 'node:fs';
import { ConfigError } from '../../core/errors.ts';
import type { Committer, Sink, SinkWriterContext } from '../sink.ts';
import { FileCommitter } from './file-committer.ts';
import { FileSinkWriter } from './file-sink-writer.ts';
import type { FileCommittable, FileWriterState } from './file-sink-writer.ts';
import { RollingPolicy } from './rolling-policy.ts';
import type { RollingPolicyOptions } from './rolling-policy.ts';

export interface FileSinkOptions<T> {
  /** Renders a record as one line, without the newline (default `String(record)`). */
  readonly format?: (record: T) => string;
  readonly rollingPolicy?: RollingPolicyOptions;
  /** Part files are named `<partPrefix>-<subtask>-<counter><partSuffix>` (default prefix 'part', suffix ''). */
  readonly partPrefix?: string;
  readonly partSuffix?: string;
}

const KEYS: ReadonlySet<string> = new Set(['format', 'rollingPolicy', 'partPrefix', 'partSuffix']);

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
  readonly #dir: string;
  readonly #format: (record: T) => string;
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
    this.#dir = dir;
    this.#format = options.format ?? String;
    this.#policy = new RollingPolicy(options.rollingPolicy ?? {});
    this.#prefix = namePart(options.partPrefix, 'partPrefix', 'part', false);
    this.#suffix = namePart(options.partSuffix, 'partSuffix', '', true);
  }

  /** How often (ms) the runtime should call the writers' `onProcessingTime`. */
  get checkInterval(): number {
    return this.#policy.checkInterval;
  }

  createWriter(context: SinkWriterContext, restored: readonly FileWriterState[]): FileSinkWriter<T> {
    mkdirSync(this.#dir, { recursive: true });
    return new FileSinkWriter<T>(
      {
        dir: this.#dir,
        subtaskIndex: context.subtaskIndex,
        operatorName: context.operatorName,
        format: this.#format,
        policy: this.#policy,
        partPrefix: this.#prefix,
        partSuffix: this.#suffix,
      },
      restored,
    );
  }

  createCommitter(): Committer<FileCommittable> {
    return new FileCommitter();
  }
}
