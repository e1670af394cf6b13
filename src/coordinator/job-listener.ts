// What the JobManager tells its client while a job runs: progress, restarts, checkpoints.

export interface VertexProgress {
  readonly name: string;
  readonly parallelism: number;
  readonly recordsIn: number;
  readonly recordsOut: number;
  /** The stage's watermark: the minimum over its subtasks (−∞ before every one has one); undefined before metrics. */
  readonly watermark?: number | undefined;
}

export interface JobListener {
  onProgress?(vertices: readonly VertexProgress[], elapsedMs: number): void;
  onRestart?(attempt: number, reason: string, delayMs: number): void;
  onCheckpoint?(info: { id: number; kind: 'checkpoint' | 'savepoint'; path: string; durationMs: number; sizeBytes: number; final: boolean }): void;
  onCheckpointFailed?(id: number, reason: string): void;
  onSavepoint?(path: string): void;
}
