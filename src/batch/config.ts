// BATCH settings as a user gives them (configureBatch, weir run flags): checked, then merged into ExecutionConfig.batch.

import { ConfigError } from '../core/errors.ts';
import type { AdaptiveBatchConfig, BatchConfig } from '../api/config.ts';

/** What configureBatch() takes: any subset of ExecutionConfig.batch. */
export type BatchSettings = Partial<Omit<BatchConfig, 'adaptive'>> & { adaptive?: Partial<AdaptiveBatchConfig> };

const KEYS = ['sortMemory', 'spillDir', 'exchange', 'slots', 'combine', 'adaptive'];
const ADAPTIVE_KEYS = ['enabled', 'bytesPerTask', 'minParallelism', 'maxParallelism'];

function positiveInt(where: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) throw new ConfigError(`${where} must be an integer ≥ 1, got ${JSON.stringify(value)}`);
  return value;
}

/** Refuses unknown keys and wrong values, naming the setting. */
export function checkBatchSettings(where: string, settings: BatchSettings): BatchSettings {
  if (typeof settings !== 'object' || settings === null) throw new ConfigError(`${where}: expected an object of BATCH settings`);
  for (const k of Object.keys(settings)) if (!KEYS.includes(k)) throw new ConfigError(`${where}: unknown setting '${k}' (known: ${KEYS.join(', ')})`);
  if (settings.sortMemory !== undefined) positiveInt(`${where}: sortMemory (bytes)`, settings.sortMemory);
  if (settings.slots !== undefined) positiveInt(`${where}: slots`, settings.slots);
  if (settings.spillDir !== undefined && (typeof settings.spillDir !== 'string' || settings.spillDir === '')) throw new ConfigError(`${where}: spillDir must be a non-empty path`);
  if (settings.exchange !== undefined && settings.exchange !== 'blocking' && settings.exchange !== 'pipelined') {
    throw new ConfigError(`${where}: exchange must be "blocking" or "pipelined", got ${JSON.stringify(settings.exchange)}`);
  }
  if (settings.combine !== undefined && typeof settings.combine !== 'boolean') throw new ConfigError(`${where}: combine must be a boolean, got ${JSON.stringify(settings.combine)}`);
  const a = settings.adaptive;
  if (a !== undefined) {
    for (const k of Object.keys(a)) if (!ADAPTIVE_KEYS.includes(k)) throw new ConfigError(`${where}: unknown adaptive setting '${k}' (known: ${ADAPTIVE_KEYS.join(', ')})`);
    if (a.enabled !== undefined && typeof a.enabled !== 'boolean') throw new ConfigError(`${where}: adaptive.enabled must be a boolean`);
    if (a.bytesPerTask !== undefined) positiveInt(`${where}: adaptive.bytesPerTask`, a.bytesPerTask);
    if (a.minParallelism !== undefined) positiveInt(`${where}: adaptive.minParallelism`, a.minParallelism);
    if (a.maxParallelism !== undefined) positiveInt(`${where}: adaptive.maxParallelism`, a.maxParallelism);
    if (a.minParallelism !== undefined && a.maxParallelism !== undefined && a.minParallelism > a.maxParallelism) {
      throw new ConfigError(`${where}: adaptive.minParallelism ${a.minParallelism} is above adaptive.maxParallelism ${a.maxParallelism}`);
    }
  }
  return settings;
}

export function mergeBatchConfig(into: BatchConfig, settings: BatchSettings): void {
  const { adaptive, ...rest } = settings;
  Object.assign(into, rest);
  if (adaptive) into.adaptive = { ...into.adaptive, ...adaptive };
}

/** Parses a byte size: an integer, optionally with k/m/g (binary) as `--batch-sort-memory 64m`. */
export function parseByteSize(where: string, text: string): number {
  const m = /^(\d+)\s*([kmg]?)b?$/i.exec(text.trim());
  if (!m) throw new ConfigError(`${where} must be a byte size such as 67108864, 64m or 1g, got "${text}"`);
  const unit = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2]!.toLowerCase() as '' | 'k' | 'm' | 'g'];
  const n = Number(m[1]) * unit;
  if (n < 1) throw new ConfigError(`${where} must be at least 1 byte, got "${text}"`);
  return n;
}
