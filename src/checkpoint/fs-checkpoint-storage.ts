// Checkpoint storage on a filesystem: `<baseDir>/<jobId>/chk-<n>/` and self-contained savepoint directories.
//
// Completion is the rename of `_metadata` into place, after every state file was renamed into
// place and the directory fsynced: a directory without `_metadata` never completed and is never
// restored from. Retention deletes `_metadata` first for the same reason: a deletion cut short
// by a crash leaves an incomplete checkpoint, never a completed one with files missing.

import { mkdir, rm, stat, unlink } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { ConfigError, WeirError } from '../core/errors.ts';
import { syncDirectory, writeFileAtomic } from './atomic-file.ts';
import { scanJobDir } from './checkpoint-dirs.ts';
import { listCompletedIn } from './checkpoint-list.ts';
import { checkpointDirName, isValidStateFileName, METADATA_FILE, savepointDirName } from './file-names.ts';
import { findLatestCheckpoint } from './load-checkpoint.ts';
import { encodeMetadata, metadataProblem } from './metadata-file.ts';
import type { CheckpointInfo, CheckpointKind, CheckpointMetadata, LoadedCheckpoint, PendingCheckpoint, StateHandle } from './types.ts';

export interface FsCheckpointStorageOptions {
  /** Checkpoints of this job go to `<baseDir>/<jobId>/`. */
  readonly baseDir: string;
  readonly jobId: string;
  /** Completed checkpoints kept; older ones are deleted once a newer one completed. Default 1. */
  readonly retained?: number;
  /** Where savepoints go; required only to take one. */
  readonly savepointDir?: string;
  /** Problems that do not fail the caller: a corrupt checkpoint skipped, a deletion that failed. Default `console.warn`. */
  readonly onWarning?: (message: string) => void;
}

function internal(message: string, cause?: unknown): WeirError {
  return new WeirError(message, { code: 'WEIR_CHECKPOINT_STORAGE', fault: 'internal', cause });
}

function isValidPathSegment(text: string): boolean {
  return text.length > 0 && text.length <= 200 && text !== '.' && text !== '..' && !/[/\\\0]/.test(text);
}

export class FsCheckpointStorage {
  /** `<baseDir>/<jobId>`, absolute. */
  readonly jobDir: string;
  readonly jobId: string;
  readonly #baseDir: string;
  readonly #retained: number;
  readonly #savepointDir: string | undefined;
  readonly #warn: (message: string) => void;
  /** Checkpoint ids begun here and not yet completed or aborted: retention leaves their directories alone. */
  readonly #pending = new Set<number>();

  constructor(options: FsCheckpointStorageOptions) {
    if (!isValidPathSegment(options.jobId)) {
      throw new ConfigError(`Checkpoint storage: jobId ${JSON.stringify(options.jobId)} cannot be a directory name`);
    }
    const retained = options.retained ?? 1;
    if (!Number.isSafeInteger(retained) || retained < 1) {
      throw new ConfigError(`Checkpoint storage: retained must be an integer >= 1, got ${String(retained)}`);
    }
    this.#baseDir = resolve(options.baseDir);
    this.jobId = options.jobId;
    this.jobDir = join(this.#baseDir, options.jobId);
    this.#retained = retained;
    this.#savepointDir = options.savepointDir === undefined ? undefined : resolve(options.savepointDir);
    this.#warn = options.onWarning ?? ((message) => console.warn(message));
  }

  /**
   * Starts checkpoint (or savepoint) `checkpointId`: creates its directory and returns its writer.
   * A savepoint goes into `savepointDir` when given (a REST trigger's target directory), else the configured one.
   */
  async begin(checkpointId: number, kind: CheckpointKind = 'checkpoint', savepointDir?: string): Promise<PendingCheckpoint> {
    if (!Number.isSafeInteger(checkpointId) || checkpointId < 0) throw internal(`Checkpoint id must be a non-negative integer, got ${checkpointId}`);
    if (kind === 'savepoint') {
      const dir = savepointDir === undefined ? this.#savepointDir : resolve(savepointDir);
      if (dir === undefined) {
        throw new ConfigError('Taking a savepoint needs a savepoint directory: set the savepointDir option (or pass one to the savepoint command)');
      }
      await mkdir(dir, { recursive: true });
      const path = join(dir, savepointDirName(this.jobId, checkpointId));
      await mkdir(path);
      return new FsPendingCheckpoint(path, checkpointId, kind, this.jobId, async () => undefined, () => undefined);
    }
    if (this.#pending.has(checkpointId)) throw internal(`Checkpoint ${checkpointId} of job ${this.jobId} was already begun`);
    await mkdir(this.jobDir, { recursive: true });
    const path = join(this.jobDir, checkpointDirName(checkpointId));
    const existing = (await scanJobDir(this.jobDir)).find((entry) => entry.id === checkpointId);
    if (existing?.complete === true) {
      throw internal(`Checkpoint ${checkpointId} of job ${this.jobId} already completed in ${path}; checkpoint ids must grow (see nextCheckpointId())`);
    }
    // A directory without _metadata is what a crash or a failed attempt left: never restorable, so reusable.
    if (existing !== undefined) await rm(path, { recursive: true, force: true });
    await mkdir(path);
    this.#pending.add(checkpointId);
    return new FsPendingCheckpoint(
      path,
      checkpointId,
      kind,
      this.jobId,
      () => this.#applyRetention(checkpointId),
      () => this.#pending.delete(checkpointId),
    );
  }

  /** The newest completed checkpoint of this job that verifies, falling back (with a warning) past corrupt ones. */
  latest(): Promise<LoadedCheckpoint | undefined> {
    return findLatestCheckpoint(this.#baseDir, this.jobId, this.#warn);
  }

  /** Completed checkpoints of this job, oldest first (metadata only; state files are not verified). */
  listCompleted(): Promise<CheckpointInfo[]> {
    return listCompletedIn(this.jobDir, this.#warn);
  }

  /**
   * Removes the checkpoint directories without `_metadata` (a run that crashed or was killed
   * while writing or deleting them): they can never be restored. For the start of a run only,
   * before it begins checkpoints of its own. Returns how many were removed.
   */
  async removeIncomplete(): Promise<number> {
    let removed = 0;
    for (const entry of await scanJobDir(this.jobDir)) {
      if (entry.complete || this.#pending.has(entry.id)) continue;
      try {
        await rm(entry.path, { recursive: true, force: true });
        removed++;
      } catch (error) {
        this.#warn(`Could not delete the incomplete checkpoint ${entry.path}: ${(error as Error).message}`);
      }
    }
    return removed;
  }

  /** One above the highest `chk-<n>` present, completed or not: an id `begin` accepts after a restart. */
  async nextCheckpointId(): Promise<number> {
    const entries = await scanJobDir(this.jobDir);
    const last = entries[entries.length - 1];
    return last === undefined ? 1 : last.id + 1;
  }

  /**
   * After checkpoint `completedId` completed: keeps it and the `retained - 1` newest completed
   * ones older than it; deletes other older completed ones, and older incomplete directories
   * not being written here. Newer ids are never touched. Failures are warnings: the new
   * checkpoint is complete whatever happens here.
   */
  async #applyRetention(completedId: number): Promise<void> {
    let older;
    try {
      older = (await scanJobDir(this.jobDir)).filter((entry) => entry.id < completedId).reverse();
    } catch (error) {
      this.#warn(`Could not list ${this.jobDir} to delete old checkpoints: ${(error as Error).message}`);
      return;
    }
    let keep = this.#retained - 1;
    for (const entry of older) {
      if (entry.complete && keep > 0) {
        keep--;
        continue;
      }
      if (!entry.complete && this.#pending.has(entry.id)) continue;
      try {
        if (entry.complete) {
          await unlink(join(entry.path, METADATA_FILE));
          await syncDirectory(entry.path);
        }
        await rm(entry.path, { recursive: true, force: true });
      } catch (error) {
        this.#warn(`Could not delete old checkpoint ${entry.path}: ${(error as Error).message}`);
      }
    }
  }
}

type PendingState = 'open' | 'completing' | 'completed' | 'failed' | 'aborted';

class FsPendingCheckpoint implements PendingCheckpoint {
  readonly path: string;
  readonly checkpointId: number;
  readonly kind: CheckpointKind;
  readonly #jobId: string;
  readonly #afterComplete: () => Promise<void>;
  readonly #release: () => void;
  #state: PendingState = 'open';
  /** Names reserved by `writeState`, including writes still in flight. */
  readonly #reserved = new Set<string>();
  readonly #written = new Map<string, StateHandle>();
  readonly #inFlight = new Set<Promise<unknown>>();

  constructor(path: string, checkpointId: number, kind: CheckpointKind, jobId: string, afterComplete: () => Promise<void>, release: () => void) {
    this.path = path;
    this.checkpointId = checkpointId;
    this.kind = kind;
    this.#jobId = jobId;
    this.#afterComplete = afterComplete;
    this.#release = release;
  }

  writeState(name: string, data: Uint8Array): Promise<StateHandle> {
    if (this.#state !== 'open') return Promise.reject(internal(`Cannot write state ${name} to ${this.kind} ${this.checkpointId} at ${this.path}: it is ${this.#state}`));
    if (!isValidStateFileName(name)) {
      return Promise.reject(internal(`State file name ${JSON.stringify(name)} is invalid: use letters, digits, '.', '_' and '-', starting with a letter or digit`));
    }
    if (this.#reserved.has(name)) return Promise.reject(internal(`State file ${name} was already written to ${this.path}`));
    this.#reserved.add(name);
    const size = data.length;
    const write = writeFileAtomic(this.path, name, data).then(
      (checksum) => {
        const handle: StateHandle = { file: name, size, checksum };
        this.#written.set(name, handle);
        return handle;
      },
      (error: unknown) => {
        this.#reserved.delete(name);
        throw error;
      },
    );
    this.#inFlight.add(write);
    const forget = (): void => void this.#inFlight.delete(write);
    write.then(forget, forget);
    return write;
  }

  adoptState(handle: StateHandle): Promise<StateHandle> {
    const name = handle.file;
    if (this.#state !== 'open') return Promise.reject(internal(`Cannot adopt state ${name} into ${this.kind} ${this.checkpointId} at ${this.path}: it is ${this.#state}`));
    if (!isValidStateFileName(name)) return Promise.reject(internal(`State file name ${JSON.stringify(name)} is invalid`));
    if (this.#reserved.has(name)) return Promise.reject(internal(`State file ${name} was already written to ${this.path}`));
    this.#reserved.add(name);
    const adopt = stat(join(this.path, name)).then(
      (st) => {
        if (st.size !== handle.size) throw new Error(`${join(this.path, name)} has ${st.size} bytes, the TaskManager wrote ${handle.size}`);
        this.#written.set(name, handle);
        return handle;
      },
      (error: unknown) => {
        this.#reserved.delete(name);
        throw new Error(`${join(this.path, name)}, written by a TaskManager, is not visible here (${(error as Error).message}): the checkpoint directory must be storage every host shares`, { cause: error });
      },
    );
    this.#inFlight.add(adopt);
    const forget = (): void => void this.#inFlight.delete(adopt);
    adopt.then(forget, forget);
    return adopt;
  }

  async complete(metadata: CheckpointMetadata): Promise<string> {
    if (this.#state !== 'open') throw internal(`Cannot complete ${this.kind} ${this.checkpointId} at ${this.path}: it is ${this.#state}`);
    this.#state = 'completing';
    try {
      await Promise.allSettled([...this.#inFlight]);
      this.#check(metadata);
      const encoded = encodeMetadata(metadata);
      await syncDirectory(this.path); // state renames durable before _metadata can exist
      await writeFileAtomic(this.path, METADATA_FILE, encoded);
      await syncDirectory(this.path);
      await syncDirectory(dirname(this.path));
    } catch (error) {
      this.#state = 'failed';
      throw error;
    }
    this.#state = 'completed';
    this.#release();
    await this.#afterComplete();
    return this.path;
  }

  async abort(): Promise<void> {
    if (this.#state === 'aborted') return;
    if (this.#state === 'completed' || this.#state === 'completing') {
      throw internal(`Cannot abort ${this.kind} ${this.checkpointId} at ${this.path}: it is ${this.#state}`);
    }
    this.#state = 'aborted';
    await Promise.allSettled([...this.#inFlight]);
    await rm(this.path, { recursive: true, force: true });
    this.#release();
  }

  /** The metadata must describe this checkpoint and name only files written (successfully) here, so it is self-contained. */
  #check(metadata: CheckpointMetadata): void {
    const problem = metadataProblem(metadata);
    if (problem !== undefined) throw internal(`Metadata for ${this.kind} ${this.checkpointId} at ${this.path} is invalid: ${problem}`);
    if (metadata.checkpointId !== this.checkpointId || metadata.kind !== this.kind || metadata.jobId !== this.#jobId) {
      throw internal(
        `Metadata describes ${metadata.kind} ${metadata.checkpointId} of job ${metadata.jobId}, but ${this.path} is ${this.kind} ${this.checkpointId} of job ${this.#jobId}`,
      );
    }
    for (const operator of metadata.operators) {
      for (const subtask of operator.subtasks) {
        for (const [role, handle] of Object.entries(subtask.handles)) {
          const written = this.#written.get(handle.file);
          if (written === undefined || written.size !== handle.size || written.checksum !== handle.checksum) {
            throw internal(
              `Metadata of ${this.kind} ${this.checkpointId}: operator ${operator.uid} subtask ${subtask.subtask} ${role} state names ${handle.file}, which was not written (or not with that content) in ${this.path}`,
            );
          }
        }
      }
    }
  }
}
