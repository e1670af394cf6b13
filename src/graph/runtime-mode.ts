// Resolves a job's runtime mode (STREAMING / BATCH / AUTOMATIC) against its graph, refusing a job that cannot run in BATCH before it runs.

import { ConfigError } from '../core/errors.ts';
import type { ExecutionConfig } from '../api/config.ts';
import type { JobGraph } from './job-graph.ts';

/** The mode a job runs in once AUTOMATIC is decided. */
export type ResolvedRuntimeMode = 'STREAMING' | 'BATCH';

/**
 * STREAMING stays STREAMING; AUTOMATIC is BATCH when every source is bounded (as Flink); BATCH
 * (asked for or picked) is checked: every source bounded, no processing-time windows (their
 * timers never fire in BATCH, so they would emit nothing), no checkpointing and no restore
 * (a batch job has no checkpoints: a failure reruns it from its input). Each refusal is a
 * ConfigError naming the operator or setting and the way out.
 */
export function resolveRuntimeMode(graph: JobGraph, config: ExecutionConfig): ResolvedRuntimeMode {
  const requested = config.runtimeMode;
  if (requested === 'STREAMING') return 'STREAMING';
  const nodes = graph.vertices.flatMap((v) => v.operators.map((o) => o.node));
  const unbounded = nodes.filter((n) => n.spec.kind === 'source' && !n.spec.source.bounded);
  if (requested === 'AUTOMATIC' && unbounded.length > 0) return 'STREAMING';
  const why = requested === 'AUTOMATIC' ? 'runtime mode AUTOMATIC picked BATCH (every source is bounded), but' : 'runtime mode BATCH:';
  const first = unbounded[0];
  if (first !== undefined) {
    throw new ConfigError(`${why} source "${first.name}" is unbounded; BATCH needs every source to end (bound it, e.g. fromGenerator with count, or run in STREAMING)`);
  }
  for (const n of nodes) {
    if (n.spec.kind !== 'window') continue;
    const a = n.spec.window.assigner;
    if (a.time === 'processing-time' && a.kind !== 'global') {
      throw new ConfigError(`${why} window "${n.name}" uses processing-time windows, whose timers do not fire in BATCH; use event-time windows (assignTimestampsAndWatermarks) or run in STREAMING`);
    }
  }
  if (config.checkpoint.interval > 0) {
    throw new ConfigError(`${why} checkpointing is on (interval ${config.checkpoint.interval} ms), and a BATCH job takes no checkpoints (a failed attempt reruns from its input); drop --checkpoint-interval / enableCheckpointing or run in STREAMING`);
  }
  if (config.restorePath !== undefined) {
    throw new ConfigError(`${why} a BATCH job starts from its input and cannot restore "${config.restorePath}"; drop --restore or run in STREAMING`);
  }
  return 'BATCH';
}
