// The lineage of a job's checkpoints: which points (checkpoints, savepoints, restored points) one history of the job went through.
//
// `<jobDir>/_lineage` is a JSON file rewritten atomically. A run appends a `start` record before
// it deploys (what it restored, or nothing), and a `completed` record for every checkpoint or
// savepoint after its `_metadata` is durable and *before* any sink is told to commit. So:
//   - `--restore latest` is the newest point of the current branch, savepoints included (a
//     savepoint lives outside the job directory, so the directory listing alone misses it);
//   - a completed `chk-<n>` that is newer than every record was never announced to the sinks:
//     its commits cannot have happened;
//   - a `completed` record says whether any sink had committables in that point (`commits`):
//     a point without them can be skipped without repeating committed output.
// A `start` record with `fork` begins a new branch (a fresh run, or a restore of an older point):
// points of earlier branches are never restore candidates again, even when their directories
// are still on disk. Rejected alternative: inferring the history from checkpoint ids alone —
// a savepoint restore followed by a crash would then go back behind the savepoint.

import { readFile } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { CheckpointCorruptError } from '../core/errors.ts';
import { syncDirectory, writeFileAtomic } from './atomic-file.ts';
import type { CheckpointKind } from './types.ts';

export const LINEAGE_FILE = '_lineage';

/** Records of the current branch kept when the file is rewritten; older ones are past any retention. */
const KEEP_COMPLETED = 200;

export interface LineagePoint {
  readonly id: number;
  readonly kind: CheckpointKind;
  readonly path: string;
}

export type LineageRecord =
  | {
    readonly type: 'start';
    /** ms since the epoch */
    readonly at: number;
    /** True when this run does not continue the newest point of the branch before it. */
    readonly fork: boolean;
    /** The point this run restored, or null for a run from scratch. */
    readonly base: LineagePoint | null;
  }
  | (LineagePoint & {
    readonly type: 'completed';
    readonly at: number;
    /** Some sink had committables in this point: once announced, its output may be committed. */
    readonly commits: boolean;
  });

export type CompletedRecord = Extract<LineageRecord, { type: 'completed' }>;
export type StartRecord = Extract<LineageRecord, { type: 'start' }>;

/** The current branch: where it started and the points it completed since, oldest first. */
export interface LineageBranch {
  readonly start: StartRecord | undefined;
  /** Every run start of the branch, oldest first (the fork start included). */
  readonly starts: readonly StartRecord[];
  readonly completed: readonly CompletedRecord[];
}

export class Lineage {
  readonly jobDir: string;
  #records: LineageRecord[];
  /** The highest id ever recorded, also of records dropped by compaction (abandoned branches). */
  #horizon: number;
  /** False when the job directory had no lineage file (a new job, or one written before lineages existed). */
  readonly existed: boolean;

  private constructor(jobDir: string, records: LineageRecord[], existed: boolean, horizon = 0) {
    this.jobDir = jobDir;
    this.#records = records;
    this.existed = existed;
    this.#horizon = Math.max(horizon, ...records.map(recordId));
  }

  get path(): string {
    return join(this.jobDir, LINEAGE_FILE);
  }

  /** Reads `<jobDir>/_lineage`; an absent file is an empty lineage, a damaged one a CheckpointCorruptError. */
  static async read(jobDir: string): Promise<Lineage> {
    const path = join(jobDir, LINEAGE_FILE);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return new Lineage(jobDir, [], false);
      throw error;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new CheckpointCorruptError(`The checkpoint lineage ${path} is not valid JSON (${(error as Error).message})`, path, error);
    }
    const records = (parsed as { records?: unknown })?.records;
    const horizon = (parsed as { maxId?: unknown })?.maxId ?? 0;
    if (!Array.isArray(records) || !records.every(isRecord) || !Number.isSafeInteger(horizon)) {
      throw new CheckpointCorruptError(`The checkpoint lineage ${path} is malformed`, path);
    }
    // Points inside the job directory are stored relative to it, so the directory can move.
    const abs = (p: LineagePoint): LineagePoint => ({ ...p, path: resolve(jobDir, p.path) });
    const loaded = (records as LineageRecord[]).map((r) => (r.type === 'start' ? { ...r, base: r.base && abs(r.base) } : { ...r, ...abs(r) }));
    return new Lineage(jobDir, loaded, true, horizon as number);
  }

  get records(): readonly LineageRecord[] {
    return this.#records;
  }

  /** The highest checkpoint id any record ever mentioned (compacted ones included), or 0. */
  maxId(): number {
    return this.#horizon;
  }

  branch(): LineageBranch {
    const recs = this.#records.slice(this.#forkIndex());
    const first = recs[0];
    return {
      start: first?.type === 'start' ? first : undefined,
      starts: recs.filter((r): r is StartRecord => r.type === 'start'),
      completed: recs.filter((r): r is CompletedRecord => r.type === 'completed'),
    };
  }

  /**
   * The newest point of the current branch as recorded (not verified), or undefined: a
   * completed point, or a point a run restored (which may be one whose completion was never
   * recorded, found in the directory).
   */
  newest(): LineagePoint | undefined {
    const b = this.branch();
    let best: LineagePoint | undefined;
    for (const p of [...b.starts.map((s) => s.base), ...b.completed]) if (p && (!best || p.id > best.id)) best = p;
    return best;
  }

  /** Appends a record and rewrites the file durably (temporary name, fsync, rename, fsync of the directory). */
  async append(record: LineageRecord): Promise<void> {
    const next = [...this.#records, record];
    // Keep only the current branch, and of it the newest completed records.
    const kept = new Lineage(this.jobDir, next, true).#compacted();
    const horizon = Math.max(this.#horizon, recordId(record));
    const rel = (p: LineagePoint): LineagePoint => {
      const r = relative(this.jobDir, p.path);
      return { ...p, path: r.startsWith('..') || isAbsolute(r) ? p.path : r };
    };
    const stored = kept.map((r) => JSON.stringify(r.type === 'start' ? { ...r, base: r.base && rel(r.base) } : { ...r, ...rel(r) }));
    const bytes = new TextEncoder().encode(`{"version":1,"maxId":${horizon},"records":[\n${stored.join(',\n')}\n]}\n`);
    await writeFileAtomic(this.jobDir, LINEAGE_FILE, bytes);
    await syncDirectory(this.jobDir);
    this.#records = kept;
    this.#horizon = horizon;
  }

  /** The records of the current branch (from its fork on), without its oldest `completed` records past KEEP_COMPLETED. */
  #compacted(): LineageRecord[] {
    const records = this.#records.slice(this.#forkIndex());
    let drop = records.filter((r) => r.type === 'completed').length - KEEP_COMPLETED;
    return records.filter((r) => r.type !== 'completed' || drop-- <= 0);
  }

  #forkIndex(): number {
    for (let i = this.#records.length - 1; i >= 0; i--) {
      const r = this.#records[i]!;
      if (r.type === 'start' && r.fork) return i;
    }
    return 0;
  }
}

function recordId(r: LineageRecord): number {
  return r.type === 'start' ? r.base?.id ?? 0 : r.id;
}

function isPoint(p: unknown): p is LineagePoint {
  const x = p as LineagePoint;
  return typeof x === 'object' && x !== null && Number.isSafeInteger(x.id) && (x.kind === 'checkpoint' || x.kind === 'savepoint') && typeof x.path === 'string';
}

function isRecord(r: unknown): r is LineageRecord {
  const x = r as LineageRecord;
  if (typeof x !== 'object' || x === null || typeof x.at !== 'number') return false;
  if (x.type === 'start') return typeof x.fork === 'boolean' && (x.base === null || isPoint(x.base));
  return x.type === 'completed' && isPoint(x) && typeof x.commits === 'boolean';
}
