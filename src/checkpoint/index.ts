// Public API of checkpoint storage: writing, retaining, verifying, loading and listing checkpoints and savepoints.

export { FsCheckpointStorage, type FsCheckpointStorageOptions } from './fs-checkpoint-storage.ts';
export { findLatestCheckpoint, loadCheckpoint } from './load-checkpoint.ts';
export { formatCheckpointList } from './checkpoint-list.ts';
export { METADATA_FILE, stateFileName } from './file-names.ts';
export type {
  CheckpointInfo,
  CheckpointKind,
  CheckpointMetadata,
  LoadedCheckpoint,
  OperatorStateInfo,
  OperatorStateMetadata,
  PendingCheckpoint,
  StateHandle,
  SubtaskStateMetadata,
} from './types.ts';
