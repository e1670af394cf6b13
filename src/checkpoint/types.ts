// The shapes of checkpoint storage: state handles, the `_metadata` document, and what loaders and listings return.

/** Where one piece of subtask state lives inside a checkpoint directory, with what it must hash to. */
export interface StateHandle {
  /** File name relative to the checkpoint (or savepoint) directory; never a path. */
  readonly file: string;
  /** Size in bytes. */
  readonly size: number;
  /** `sha256:<hex>` over the file's bytes. */
  readonly checksum: string;
}

export type CheckpointKind = 'checkpoint' | 'savepoint';

export interface SubtaskStateMetadata {
  readonly subtask: number;
  /** State of this subtask by role, e.g. `keyed`, `operator`, `source`. */
  readonly handles: Readonly<Record<string, StateHandle>>;
}

export interface OperatorStateMetadata {
  readonly uid: string;
  readonly name: string;
  readonly parallelism: number;
  readonly subtasks: readonly SubtaskStateMetadata[];
}

/** The `_metadata` document: written last, so its presence is what makes a checkpoint complete. */
export interface CheckpointMetadata {
  readonly version: 1;
  readonly jobId: string;
  readonly jobName: string;
  readonly checkpointId: number;
  readonly kind: CheckpointKind;
  /** Trigger time, ms since the epoch. */
  readonly timestamp: number;
  readonly durationMs: number;
  readonly maxParallelism: number;
  readonly operators: readonly OperatorStateMetadata[];
  /** Anything else the coordinator wants back on restore; must be JSON. */
  readonly extra?: Readonly<Record<string, unknown>>;
}

/** A checkpoint being written. Not reusable: it ends in exactly one of `complete` or `abort`. */
export interface PendingCheckpoint {
  readonly path: string;
  readonly checkpointId: number;
  readonly kind: CheckpointKind;
  /**
   * Writes `data` under a temporary name, fsyncs it and renames it to `name`; resolves to the
   * handle to put into the metadata. Concurrent calls for different names are fine; a name may
   * be written once. The caller must not modify `data` until the promise settles.
   */
  writeState(name: string, data: Uint8Array): Promise<StateHandle>;
  /**
   * Takes a state file someone else wrote into this checkpoint's directory (a TaskManager in
   * cluster mode, with the same temporary-name/fsync/rename protocol): checks that it exists
   * with the handle's size and makes it part of what `complete` accepts. Rejects, naming the
   * file, when it is missing or of another size.
   */
  adoptState(handle: StateHandle): Promise<StateHandle>;
  /**
   * Waits for pending writes, checks that every handle in `metadata` was written here, writes
   * `_metadata` last (temporary name, fsync, rename), then applies retention (checkpoints only).
   * Resolves to the checkpoint directory.
   */
  complete(metadata: CheckpointMetadata): Promise<string>;
  /** Deletes the directory of a checkpoint that will not complete. Idempotent. */
  abort(): Promise<void>;
}

/** A completed checkpoint or savepoint whose metadata and state files were verified. */
export interface LoadedCheckpoint {
  readonly path: string;
  readonly metadata: CheckpointMetadata;
  /** Reads one state file, verifying size and checksum again; CheckpointCorruptError naming the file otherwise. */
  readState(handle: StateHandle): Promise<Uint8Array>;
}

export interface OperatorStateInfo {
  readonly uid: string;
  readonly name: string;
  readonly parallelism: number;
  /** Bytes of state of all its subtasks. */
  readonly stateBytes: number;
}

/** One completed checkpoint as listed (from its metadata; state files are not read). */
export interface CheckpointInfo {
  readonly id: number;
  readonly kind: CheckpointKind;
  readonly path: string;
  readonly jobId: string;
  readonly jobName: string;
  /** Trigger time, ms since the epoch. */
  readonly timestamp: number;
  readonly durationMs: number;
  /** State files plus `_metadata`, in bytes. */
  readonly sizeBytes: number;
  readonly operators: readonly OperatorStateInfo[];
}
