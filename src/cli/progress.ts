// Live progress on a terminal (records in/out per second and the watermark, per stage) and the closing summary.

import type { JobListener, VertexProgress } from '../coordinator/job-listener.ts';
import type { JobResult } from '../api/launch.ts';

export class ProgressReporter implements JobListener {
  readonly #live: boolean;
  readonly #out: NodeJS.WriteStream;
  #last: { at: number; vertices: readonly VertexProgress[] } | undefined;
  #lines = 0;
  checkpoints = 0;
  restarts = 0;

  constructor(out: NodeJS.WriteStream, live: boolean) {
    this.#out = out;
    this.#live = live && out.isTTY === true;
  }

  onProgress(vertices: readonly VertexProgress[], elapsedMs: number): void {
    if (!this.#live) return;
    const last = this.#last;
    this.#last = { at: elapsedMs, vertices };
    const dt = last ? (elapsedMs - last.at) / 1000 : elapsedMs / 1000;
    const rows = vertices.map((v, i) => {
      const prev = last?.vertices[i];
      const inRate = dt > 0 ? (v.recordsIn - (prev?.recordsIn ?? 0)) / dt : 0;
      const outRate = dt > 0 ? (v.recordsOut - (prev?.recordsOut ?? 0)) / dt : 0;
      const wm = v.watermark === undefined ? '' : `  wm ${formatWatermark(v.watermark)}`;
      return `  ${truncate(v.name, 48).padEnd(48)} x${String(v.parallelism).padEnd(3)} in ${fmt(inRate).padStart(7)}/s  out ${fmt(outRate).padStart(7)}/s${wm}`;
    });
    const header = `weir: ${(elapsedMs / 1000).toFixed(1)} s  checkpoints ${this.checkpoints}  restarts ${this.restarts}`;
    this.#clear();
    this.#out.write(`${header}\n${rows.join('\n')}\n`);
    this.#lines = rows.length + 1;
  }

  /** Text (log lines) written above the live display; the next progress tick draws it again below. */
  interject(text: string): void {
    this.#clear();
    this.#out.write(text);
  }

  onRestart(attempt: number, reason: string, delayMs: number): void {
    this.restarts++;
    this.#clear();
    this.#out.write(`weir: restarting (attempt ${attempt}) in ${formatDuration(delayMs)} after: ${firstLine(reason)}\n`);
  }

  onCheckpoint(info: { id: number; kind: string; path: string; durationMs: number; sizeBytes: number; final: boolean }): void {
    this.checkpoints++;
    if (this.#live) return;
    if (process.env['WEIR_LOG_CHECKPOINTS']) this.#out.write(`weir: ${info.kind} ${info.id} completed in ${formatDuration(info.durationMs)} (${info.sizeBytes} bytes)\n`);
  }

  onCheckpointFailed(id: number, reason: string): void {
    this.#clear();
    this.#out.write(`weir: checkpoint ${id} failed: ${firstLine(reason)}\n`);
  }

  summary(result: JobResult): string {
    this.#clear();
    const secs = result.wallTimeMs / 1000;
    const names = Object.keys(result.recordsIn);
    const sourceIn = names.length > 0 ? result.recordsIn[names[0]!] ?? 0 : 0;
    const lines = [`weir: job "${result.jobName}" finished in ${secs.toFixed(2)} s (restarts ${result.restarts}, checkpoints ${result.completedCheckpoints})`];
    for (const name of names) {
      lines.push(`  ${truncate(name, 60).padEnd(60)} in ${String(result.recordsIn[name]).padStart(11)}  out ${String(result.recordsOut[name]).padStart(11)}`);
    }
    lines.push(`  throughput: ${fmt(sourceIn / Math.max(secs, 1e-9))} records/s read by the first source`);
    const cs = result.checkpointStats;
    if (cs) {
      lines.push(`  checkpoints (median): ${cs.durationMs.toFixed(1)} ms end to end; per task: sync ${cs.syncMs.toFixed(2)} ms, async ${cs.asyncMs.toFixed(2)} ms, alignment ${cs.alignmentMs.toFixed(1)} ms${cs.taskWorkMs === undefined ? '' : `; task threads' time per checkpoint ${cs.taskWorkMs.toFixed(2)} ms`}`);
    }
    return `${lines.join('\n')}\n`;
  }

  #clear(): void {
    if (!this.#live || this.#lines === 0) return;
    this.#out.write(`\x1b[${this.#lines}A\x1b[0J`);
    this.#lines = 0;
  }
}

/** A duration for people: `850 ms`, `38.4 s`, `2 min 5 s`, `1 h 2 min` (restart back-offs are fractional ms). */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return `${ms} ms`;
  if (ms < 999.5) return `${Math.round(ms)} ms`;
  if (ms < 59_950) return `${(ms / 1000).toFixed(1)} s`;
  const totalSeconds = Math.round(ms / 1000);
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds % 60;
  if (hours > 0) return `${hours} h${minutes > 0 ? ` ${minutes} min` : ''}`;
  return `${minutes} min${seconds > 0 ? ` ${seconds} s` : ''}`;
}

/** A watermark for people: `none` before the first, `end` for the final one, an ISO time for epoch-like ms, else the ms. */
export function formatWatermark(ms: number): string {
  if (ms === Number.NEGATIVE_INFINITY) return 'none';
  if (ms === Number.POSITIVE_INFINITY) return 'end';
  if (ms >= 1e11 && ms < 8.64e15) return new Date(ms).toISOString();
  return String(ms);
}

function fmt(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}k`;
  return n.toFixed(0);
}

function truncate(s: string, n: number): string {
  return s.length <= n ? s : `${s.slice(0, n - 1)}…`;
}

function firstLine(s: string): string {
  return s.split('\n')[0]!;
}
