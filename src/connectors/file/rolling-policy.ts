// When the file sink closes its in-progress part file: by size, by age, by inactivity.

import { ConfigError } from '../../core/errors.ts';

export interface RollingPolicyOptions {
  /** Roll once a part holds this many bytes (default 128 MiB). Checked on write and at checkpoints. */
  readonly maxPartSize?: number;
  /** Roll a part this many ms after it was opened (default 60 000). Checked by `onProcessingTime`. */
  readonly rolloverInterval?: number;
  /** Roll a part that received no record for this many ms (default 60 000). Checked by `onProcessingTime`. */
  readonly inactivityInterval?: number;
  /** How often (ms) the runtime should call the writer's `onProcessingTime` (default 60 000). */
  readonly checkInterval?: number;
}

export const DEFAULT_MAX_PART_SIZE = 128 * 1024 * 1024;
export const DEFAULT_ROLLOVER_INTERVAL = 60_000;
export const DEFAULT_INACTIVITY_INTERVAL = 60_000;
export const DEFAULT_CHECK_INTERVAL = 60_000;

const KEYS: ReadonlySet<string> = new Set(['maxPartSize', 'rolloverInterval', 'inactivityInterval', 'checkInterval']);

function positive(options: RollingPolicyOptions, key: keyof RollingPolicyOptions, fallback: number): number {
  const value = options[key];
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new ConfigError(`FileSink option 'rollingPolicy.${key}' must be a positive number, got ${String(value)}`);
  }
  return value;
}

/**
 * The default policy for row formats: a part rolls when it is big enough (on write or at a
 * checkpoint), too old, or idle. A part that is none of these stays open across
 * checkpoints; its length goes into the writer state instead.
 */
export class RollingPolicy {
  readonly maxPartSize: number;
  readonly rolloverInterval: number;
  readonly inactivityInterval: number;
  readonly checkInterval: number;

  constructor(options: RollingPolicyOptions = {}) {
    if (typeof options !== 'object' || options === null) {
      throw new ConfigError(`FileSink option 'rollingPolicy' must be an object, got ${String(options)}`);
    }
    for (const key of Object.keys(options)) {
      if (!KEYS.has(key)) {
        throw new ConfigError(`FileSink: unknown option 'rollingPolicy.${key}' (known: ${[...KEYS].join(', ')})`);
      }
    }
    this.maxPartSize = positive(options, 'maxPartSize', DEFAULT_MAX_PART_SIZE);
    this.rolloverInterval = positive(options, 'rolloverInterval', DEFAULT_ROLLOVER_INTERVAL);
    this.inactivityInterval = positive(options, 'inactivityInterval', DEFAULT_INACTIVITY_INTERVAL);
    this.checkInterval = positive(options, 'checkInterval', DEFAULT_CHECK_INTERVAL);
  }

  shouldRollOnWrite(partSize: number): boolean {
    return partSize >= this.maxPartSize;
  }

  shouldRollOnCheckpoint(partSize: number): boolean {
    return partSize >= this.maxPartSize;
  }

  shouldRollOnProcessingTime(now: number, openedAt: number, lastWriteAt: number): boolean {
    return now - openedAt >= this.rolloverInterval || now - lastWriteAt >= this.inactivityInterval;
  }
}
