// Per-subtask metrics of one job from its tasks' reports: Flink's figures, rates over the last seconds, a short history per vertex.

import type { TaskMetrics } from '../runtime/protocol.ts';
import { backPressureLevel, type BackPressureLevel } from './back-pressure.ts';

/** One subtask's figures under Flink's metric names. Watermarks are ms, ±Infinity before any / at the end. */
export interface SubtaskMetrics {
  readonly numRecordsIn: number;
  readonly numRecordsOut: number;
  readonly numBytesIn: number;
  readonly numBytesOut: number;
  readonly numRecordsInPerSecond: number;
  readonly numRecordsOutPerSecond: number;
  readonly numBytesInPerSecond: number;
  readonly numBytesOutPerSecond: number;
  readonly busyTimeMsPerSecond: number;
  readonly backPressuredTimeMsPerSecond: number;
  readonly idleTimeMsPerSecond: number;
  readonly currentInputWatermark: number;
  readonly currentOutputWatermark: number;
}

/** A vertex: sums of its subtasks' counts and rates, the minimum watermarks, the maximum busy and back-pressured shares. */
export interface VertexMetrics {
  readonly numRecordsIn: number;
  readonly numRecordsOut: number;
  readonly numBytesIn: number;
  readonly numBytesOut: number;
  readonly numRecordsInPerSecond: number;
  readonly numRecordsOutPerSecond: number;
  readonly currentInputWatermark: number;
  readonly currentOutputWatermark: number;
  /** Max over subtasks of busyTimeMsPerSecond / 1000. */
  readonly busyRatio: number;
  /** Max over subtasks of backPressuredTimeMsPerSecond / 1000, and its level. */
  readonly backPressureRatio: number;
  readonly backPressureLevel: BackPressureLevel;
}

export interface HistoryPoint {
  /** Epoch ms. */
  readonly t: number;
  readonly numRecordsInPerSecond: number;
  readonly numRecordsOutPerSecond: number;
  readonly busyTimeMsPerSecond: number;
  readonly backPressuredTimeMsPerSecond: number;
}

/** Rates are taken over the reports of about the last two seconds (tasks report every 500 ms). */
const WINDOW_MS = 2000;
/** One history point per vertex per second, for five minutes. */
const HISTORY_STEP_MS = 1000;
const HISTORY_POINTS = 300;

export class JobMetrics {
  readonly #vertices: readonly { readonly index: number; readonly parallelism: number }[];
  /** Task key → its reports of the current attempt within the window, oldest first. */
  readonly #windows = new Map<string, TaskMetrics[]>();
  readonly #latest = new Map<string, TaskMetrics>();
  readonly #history = new Map<number, HistoryPoint[]>();

  constructor(vertices: readonly { readonly index: number; readonly parallelism: number }[]) {
    this.#vertices = vertices;
    for (const v of vertices) this.#history.set(v.index, []);
  }

  /** A new attempt: counters start again from zero, so rates must not span the restart. */
  newAttempt(): void {
    this.#windows.clear();
  }

  report(m: TaskMetrics, now = Date.now()): void {
    const key = `${m.vertex}.${m.subtask}`;
    this.#latest.set(key, m);
    let window = this.#windows.get(key);
    if (!window) this.#windows.set(key, (window = []));
    window.push(m);
    if (m.at !== undefined) {
      while (window.length > 2 && m.at - window[1]!.at! >= WINDOW_MS) window.shift();
    } else if (window.length > 5) {
      window.shift();
    }
    const points = this.#history.get(m.vertex);
    if (points && (points.length === 0 || now - points[points.length - 1]!.t >= HISTORY_STEP_MS)) {
      const v = this.#vertices.find((x) => x.index === m.vertex);
      if (v) {
        let inRate = 0;
        let outRate = 0;
        let busy = 0;
        let bp = 0;
        for (let s = 0; s < v.parallelism; s++) {
          const sm = this.subtask(v.index, s);
          if (!sm) continue;
          inRate += sm.numRecordsInPerSecond;
          outRate += sm.numRecordsOutPerSecond;
          busy += sm.busyTimeMsPerSecond;
          bp += sm.backPressuredTimeMsPerSecond;
        }
        points.push({ t: now, numRecordsInPerSecond: inRate, numRecordsOutPerSecond: outRate, busyTimeMsPerSecond: busy, backPressuredTimeMsPerSecond: bp });
        if (points.length > HISTORY_POINTS) points.shift();
      }
    }
  }

  /** The last report of a subtask (also of an earlier attempt), as the task sent it. */
  latest(vertex: number, subtask: number): TaskMetrics | undefined {
    return this.#latest.get(`${vertex}.${subtask}`);
  }

  subtask(vertex: number, subtask: number): SubtaskMetrics | undefined {
    const key = `${vertex}.${subtask}`;
    const last = this.#latest.get(key);
    if (!last) return undefined;
    const window = this.#windows.get(key);
    const first = window && window.length > 1 ? window[0]! : undefined;
    const dt = first && last.at !== undefined && first.at !== undefined ? (last.at - first.at) / 1000 : 0;
    const rate = (f: (m: TaskMetrics) => number | undefined): number => (first && dt > 0 ? Math.max(0, ((f(last) ?? 0) - (f(first) ?? 0)) / dt) : 0);
    // Time shares over the same window (or since deployment with one report), normalized to 1000 ms per second.
    const busy = (last.busyMs ?? 0) - (first?.busyMs ?? 0);
    const bp = (last.backPressuredMs ?? 0) - (first?.backPressuredMs ?? 0);
    const idle = (last.idleMs ?? 0) - (first?.idleMs ?? 0);
    const total = busy + bp + idle;
    return {
      numRecordsIn: last.recordsIn,
      numRecordsOut: last.recordsOut,
      numBytesIn: last.bytesIn ?? 0,
      numBytesOut: last.bytesOut ?? 0,
      numRecordsInPerSecond: rate((m) => m.recordsIn),
      numRecordsOutPerSecond: rate((m) => m.recordsOut),
      numBytesInPerSecond: rate((m) => m.bytesIn),
      numBytesOutPerSecond: rate((m) => m.bytesOut),
      busyTimeMsPerSecond: total > 0 ? (busy / total) * 1000 : 0,
      backPressuredTimeMsPerSecond: total > 0 ? (bp / total) * 1000 : 0,
      idleTimeMsPerSecond: total > 0 ? (idle / total) * 1000 : 0,
      currentInputWatermark: last.inputWatermark ?? Number.NEGATIVE_INFINITY,
      currentOutputWatermark: last.outputWatermark ?? last.watermark ?? Number.NEGATIVE_INFINITY,
    };
  }

  vertex(index: number): VertexMetrics {
    const v = this.#vertices.find((x) => x.index === index);
    let numRecordsIn = 0;
    let numRecordsOut = 0;
    let numBytesIn = 0;
    let numBytesOut = 0;
    let inRate = 0;
    let outRate = 0;
    let inWm = Number.POSITIVE_INFINITY;
    let outWm = Number.POSITIVE_INFINITY;
    let busy = 0;
    let bp = 0;
    let reported = 0;
    for (let s = 0; s < (v?.parallelism ?? 0); s++) {
      const m = this.subtask(index, s);
      if (!m) { inWm = outWm = Number.NEGATIVE_INFINITY; continue; }
      reported++;
      numRecordsIn += m.numRecordsIn;
      numRecordsOut += m.numRecordsOut;
      numBytesIn += m.numBytesIn;
      numBytesOut += m.numBytesOut;
      inRate += m.numRecordsInPerSecond;
      outRate += m.numRecordsOutPerSecond;
      if (m.currentInputWatermark < inWm) inWm = m.currentInputWatermark;
      if (m.currentOutputWatermark < outWm) outWm = m.currentOutputWatermark;
      if (m.busyTimeMsPerSecond > busy) busy = m.busyTimeMsPerSecond;
      if (m.backPressuredTimeMsPerSecond > bp) bp = m.backPressuredTimeMsPerSecond;
    }
    if (reported === 0) inWm = outWm = Number.NEGATIVE_INFINITY;
    return {
      numRecordsIn, numRecordsOut, numBytesIn, numBytesOut, numRecordsInPerSecond: inRate, numRecordsOutPerSecond: outRate,
      currentInputWatermark: inWm, currentOutputWatermark: outWm,
      busyRatio: busy / 1000, backPressureRatio: bp / 1000, backPressureLevel: backPressureLevel(bp / 1000),
    };
  }

  history(vertex: number): readonly HistoryPoint[] {
    return this.#history.get(vertex) ?? [];
  }
}
