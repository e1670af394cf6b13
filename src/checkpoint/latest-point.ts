// `--restore latest`: the newest usable point of a job's lineage, falling back only where no committed output can repeat.

import { CheckpointCorruptError, ConfigError, WeirError } from '../core/errors.ts';
import { scanJobDir } from './checkpoint-dirs.ts';
import type { Lineage } from './lineage.ts';
import { loadCheckpoint } from './load-checkpoint.ts';
import type { CheckpointKind, LoadedCheckpoint } from './types.ts';

export interface Candidate {
  readonly id: number;
  readonly kind: CheckpointKind;
  readonly path: string;
  /** Its commits may have happened: skipping it for an older point could write committed output again. */
  readonly commits: boolean;
  /** Why `commits` is what it is, for messages. */
  readonly why: string;
}

/**
 * The restore candidates of the current branch, newest first: the points the lineage recorded,
 * the point the branch started from, and completed `chk-<n>` directories newer than every
 * record (their completion was never announced to the sinks). Without a lineage file (a job
 * directory from before lineages), every completed checkpoint directory, commits unknown.
 */
export async function restoreCandidates(jobDir: string, lineage: Lineage): Promise<Candidate[]> {
  const byId = new Map<number, Candidate>();
  const scanned = (await scanJobDir(jobDir)).filter((e) => e.complete);
  if (lineage.records.length === 0) {
    for (const e of scanned) byId.set(e.id, { id: e.id, kind: 'checkpoint', path: e.path, commits: true, why: 'no lineage records whether its output was committed' });
  } else {
    const { starts, completed } = lineage.branch();
    // Every point a run of the branch restored — also one found in the directory whose completion
    // was never recorded (ids then move past it, so the directory rule below no longer finds it).
    for (const s of starts) if (s.base) byId.set(s.base.id, { ...s.base, commits: true, why: 'the run that restored it committed its pending output' });
    for (const r of completed) {
      byId.set(r.id, { id: r.id, kind: r.kind, path: r.path, commits: r.commits, why: r.commits ? 'its sinks were told to commit' : 'no sink had anything to commit in it' });
    }
    const recorded = lineage.maxId();
    for (const e of scanned) {
      if (e.id > recorded) byId.set(e.id, { id: e.id, kind: 'checkpoint', path: e.path, commits: false, why: 'its completion was never announced to the sinks' });
    }
  }
  return [...byId.values()].sort((a, b) => b.id - a.id);
}

/** Restoring would go back behind a point whose output may be committed. */
export class UnsafeRestoreError extends WeirError {
  constructor(message: string) {
    super(message, { code: 'WEIR_RESTORE_UNSAFE', fault: 'external', retryable: false });
    this.name = 'UnsafeRestoreError';
  }
}

function describe(c: Candidate): string {
  return `${c.kind} ${c.id} (${c.path})`;
}

/**
 * The newest candidate that loads and verifies. An unusable one is skipped (with a warning)
 * only when its commits cannot have happened; otherwise UnsafeRestoreError names it and the
 * choices. Undefined only when the branch has no candidate at all (a first run); when there
 * were candidates but none is usable, starting from scratch would repeat output: an error too.
 */
export async function resolveLatest(
  jobDir: string,
  jobName: string,
  lineage: Lineage,
  onWarning: (message: string) => void,
): Promise<LoadedCheckpoint | undefined> {
  const candidates = await restoreCandidates(jobDir, lineage);
  const problems: string[] = [];
  for (let i = 0; i < candidates.length; i++) {
    const c = candidates[i]!;
    try {
      const loaded = await loadCheckpoint(c.path);
      if (loaded.metadata.checkpointId !== c.id) {
        throw new CheckpointCorruptError(`its metadata describes ${loaded.metadata.kind} ${loaded.metadata.checkpointId}, not ${c.id}`, c.path);
      }
      return loaded;
    } catch (error) {
      if (!(error instanceof CheckpointCorruptError || error instanceof ConfigError)) throw error;
      const reason = (error as Error).message;
      problems.push(`${describe(c)}: ${reason}`);
      const older = candidates[i + 1];
      if (c.commits) {
        throw new UnsafeRestoreError(
          `cannot restore job "${jobName}": its newest restorable point, ${describe(c)}, is unusable: ${reason}. ` +
            `Its output may already be committed (${c.why}), so falling back to an older point would write that output again. ` +
            `Choose one: repair or put back the files of ${c.kind} ${c.id}; ` +
            (older ? `or restore an older point explicitly with --restore ${older.path}, accepting that the output after it is written again; ` : '') +
            'or start from scratch without --restore, into a new output directory.',
        );
      }
      onWarning(`skipping ${describe(c)}: ${reason}; falling back is safe because ${c.why}`);
    }
  }
  if (candidates.length > 0) {
    throw new UnsafeRestoreError(
      `cannot restore job "${jobName}": none of its checkpoints under ${jobDir} is usable (${problems.join('; ')}). ` +
        'Starting from scratch would write their output again: restore a point explicitly with --restore <path>, or run without --restore into a new output directory.',
    );
  }
  return undefined;
}
