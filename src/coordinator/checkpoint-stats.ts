// Checkpoint statistics of one job run (across its attempts): history, counts, sizes, durations, what was restored.

/** One checkpoint or savepoint, as the REST API shows it (Flink's checkpoint statistics). */
export interface CheckpointEntry {
  readonly id: number;
  status: 'IN_PROGRESS' | 'COMPLETED' | 'FAILED';
  readonly kind: 'checkpoint' | 'savepoint';
  /** Epoch ms when it was triggered. */
  readonly triggerTimestamp: number;
  /** Epoch ms of the last acknowledgement; -1 before any. */
  latestAckTimestamp: number;
  /** Bytes of state written (all subtasks, and the JobManager's own enumerator state). */
  stateSize: number;
  /** Trigger to completion (or to failure), ms; while in progress, until now. */
  endToEndDuration: number;
  /** Max over acknowledged subtasks. */
  alignmentDuration: number;
  syncDuration: number;
  asyncDuration: number;
  readonly numSubtasks: number;
  numAcknowledgedSubtasks: number;
  externalPath: string | null;
  failureMessage: string | null;
}

export interface RestoredInfo {
  readonly id: number;
  readonly externalPath: string;
  /** Epoch ms when the attempt that restored it was deployed. */
  readonly restoreTimestamp: number;
  readonly isSavepoint: boolean;
}

/** Most entries kept (Flink keeps 10 by default; the dashboard shows a scrolling table). */
const HISTORY_SIZE = 100;

export class CheckpointStatsTracker {
  /** Oldest first, at most HISTORY_SIZE. */
  readonly #history: CheckpointEntry[] = [];
  /** Per in-progress entry: task key → bytes acked by that subtask. */
  readonly #pendingSizes = new Map<CheckpointEntry, Map<string, number>>();
  /** Task key (`vertex.subtask`) → bytes of its state in the latest completed checkpoint or savepoint. */
  readonly stateSizes = new Map<string, number>();
  total = 0;
  completed = 0;
  failed = 0;
  restoredCount = 0;
  latestRestored: RestoredInfo | undefined;

  get history(): readonly CheckpointEntry[] {
    return this.#history;
  }

  get inProgress(): number {
    let n = 0;
    for (const e of this.#history) if (e.status === 'IN_PROGRESS') n++;
    return n;
  }

  begin(id: number, kind: 'checkpoint' | 'savepoint', triggerTimestamp: number, numSubtasks: number): CheckpointEntry {
    const entry: CheckpointEntry = {
      id, status: 'IN_PROGRESS', kind, triggerTimestamp, latestAckTimestamp: -1, stateSize: 0, endToEndDuration: 0,
      alignmentDuration: 0, syncDuration: 0, asyncDuration: 0, numSubtasks, numAcknowledgedSubtasks: 0, externalPath: null, failureMessage: null,
    };
    this.total++;
    this.#history.push(entry);
    if (this.#history.length > HISTORY_SIZE) {
      const dropped = this.#history.shift()!;
      this.#pendingSizes.delete(dropped);
    }
    this.#pendingSizes.set(entry, new Map());
    return entry;
  }

  ack(entry: CheckpointEntry, task: string, bytes: number, timing: { syncMs: number; asyncMs: number; alignmentMs: number }, now = Date.now()): void {
    entry.numAcknowledgedSubtasks++;
    entry.latestAckTimestamp = now;
    entry.stateSize += bytes;
    entry.syncDuration = Math.max(entry.syncDuration, timing.syncMs);
    entry.asyncDuration = Math.max(entry.asyncDuration, timing.asyncMs);
    entry.alignmentDuration = Math.max(entry.alignmentDuration, timing.alignmentMs);
    entry.endToEndDuration = now - entry.triggerTimestamp;
    this.#pendingSizes.get(entry)?.set(task, bytes);
  }

  complete(entry: CheckpointEntry, path: string, durationMs: number, sizeBytes: number): void {
    entry.status = 'COMPLETED';
    entry.externalPath = path;
    entry.endToEndDuration = durationMs;
    entry.stateSize = sizeBytes;
    this.completed++;
    const sizes = this.#pendingSizes.get(entry);
    this.#pendingSizes.delete(entry);
    if (sizes) {
      this.stateSizes.clear();
      for (const [task, bytes] of sizes) this.stateSizes.set(task, bytes);
    }
  }

  fail(entry: CheckpointEntry, message: string, now = Date.now()): void {
    if (entry.status !== 'IN_PROGRESS') return;
    entry.status = 'FAILED';
    entry.failureMessage = message;
    entry.endToEndDuration = now - entry.triggerTimestamp;
    this.failed++;
    this.#pendingSizes.delete(entry);
  }

  restored(info: RestoredInfo): void {
    this.restoredCount++;
    this.latestRestored = info;
  }

  /** Newest first: the latest completed checkpoint, savepoint and failed one. */
  latest(status: 'COMPLETED' | 'FAILED', kind?: 'checkpoint' | 'savepoint'): CheckpointEntry | undefined {
    for (let i = this.#history.length - 1; i >= 0; i--) {
      const e = this.#history[i]!;
      if (e.status === status && (kind === undefined || e.kind === kind)) return e;
    }
    return undefined;
  }
}
