// `weir run` options: Weir's own flags are taken out wherever they appear; everything else goes to the job.

import { ConfigError } from '../core/errors.ts';
import { checkBatchKeyedInput, checkCheckpointingMode, checkRuntimeMode } from '../api/config.ts';
import { checkBatchSettings, parseByteSize } from '../batch/config.ts';
import type { LaunchContext } from '../api/launch.ts';
import type { ParameterTool } from '../api/params.ts';
import { LOG_LEVELS, type LogLevel } from '../core/logger.ts';

export interface WebOptions {
  readonly port: number;
  readonly host: string;
  /** Keep serving this long (ms) after the job ended, so its final state can still be read. */
  readonly lingerMs: number;
}

export interface RunOptions {
  readonly jobFile: string;
  readonly jobArgs: string[];
  readonly defaults: LaunchContext['defaults'];
  readonly progress: boolean;
  readonly inline: boolean;
  /** Cluster mode (src/cluster/): the JobManager to submit to, instead of running locally. */
  readonly jobmanager?: string | undefined;
  readonly detached: boolean;
  /** --token-file: where the cluster token is (else WEIR_CLUSTER_TOKEN); for --jobmanager and --web. */
  readonly tokenFile?: string | undefined;
  /** `--ha`, `--ha-endpoints`, `--ha-cluster-id` as given (checked by src/ha/ha-config.ts). */
  readonly ha?: Readonly<Record<string, string | undefined>>;
  /** --web: the REST server (undefined: none). */
  readonly web: WebOptions | undefined;
  readonly logLevel: LogLevel;
  readonly tls?: { readonly 'tls-cert'?: string | undefined; readonly 'tls-key'?: string | undefined; readonly 'tls-ca'?: string | undefined } | undefined;
}

/** Flink's REST port. */
export const DEFAULT_WEB_PORT = 8081;

interface FlagSpec {
  readonly name: string;
  /** 'optional-int': `--name`, `--name N` (when the next argument is a number) or `--name=N`. */
  readonly value: 'int' | 'string' | 'mode' | 'none' | 'optional-int';
  readonly help: string;
}

export const RUN_FLAGS: readonly FlagSpec[] = [
  { name: 'parallelism', value: 'int', help: 'default parallelism of every operator (also -p); "auto" in BATCH: decided per vertex from its input bytes' },
  { name: 'max-parallelism', value: 'int', help: 'number of key groups (default 128)' },
  { name: 'buffer-size', value: 'int', help: 'records per network buffer (default 1024)' },
  { name: 'buffers-per-channel', value: 'int', help: 'buffers in flight per channel, the backpressure bound (default 8)' },
  { name: 'checkpoint-dir', value: 'string', help: 'directory for checkpoints (and savepoints by default)' },
  { name: 'checkpoint-interval', value: 'int', help: 'checkpoint every N ms (off by default)' },
  { name: 'checkpoint-mode', value: 'mode', help: 'exactly-once (default) or at-least-once' },
  { name: 'retained-checkpoints', value: 'int', help: 'completed checkpoints to keep (default 1)' },
  { name: 'restore', value: 'string', help: '"latest" (newest checkpoint of this job under --checkpoint-dir) or a checkpoint/savepoint directory' },
  { name: 'savepoint-dir', value: 'string', help: 'where stop-with-savepoint writes (default <checkpoint-dir>/savepoints)' },
  { name: 'allow-non-restored-state', value: 'none', help: 'skip restored state whose operator no longer exists' },
  { name: 'append-output', value: 'none', help: 'a fresh run adds part files to an output directory that already has some (refused by default)' },
  { name: 'runtime-mode', value: 'string', help: 'STREAMING (default), BATCH (bounded input, final results) or AUTOMATIC (BATCH when every source is bounded)' },
  { name: 'batch-keyed-input', value: 'string', help: 'BATCH: state (default: keyed state of all keys, final values at the end) or grouped (input held and fed key by key)' },
  { name: 'batch-sort-memory', value: 'string', help: 'BATCH grouped input: held bytes per task before spilling to disk (default 64m)' },
  { name: 'batch-spill-dir', value: 'string', help: 'BATCH: directory for spilled runs and blocking partitions (default: the OS temp directory)' },
  { name: 'batch-exchange', value: 'string', help: 'BATCH: blocking (default: all-to-all edges go through local disk) or pipelined' },
  { name: 'batch-slots', value: 'int', help: 'BATCH: slots the region scheduler uses at once (default: as many as the widest region needs)' },
  { name: 'batch-combine', value: 'string', help: 'BATCH: on (default: pre-aggregate per key before a keyBy into reduce/sum/min/max) or off' },
  { name: 'window-combine', value: 'string', help: 'STREAMING: on (default: pre-aggregate per key and window before a keyBy into an event-time tumbling or sliding window) or off' },
  { name: 'no-progress', value: 'none', help: 'no live progress on stderr' },
  { name: 'web', value: 'optional-int', help: `serve the REST API, /metrics and the dashboard on this port (default ${DEFAULT_WEB_PORT}; 0 = any free port)` },
  { name: 'web-host', value: 'string', help: 'address the REST server binds (default 127.0.0.1, loopback only)' },
  { name: 'web-linger', value: 'int', help: 'keep the REST server up this many ms after the job ended' },
  { name: 'log-level', value: 'string', help: `log lines on stderr: ${LOG_LEVELS.join(', ')} (default warn); JSON lines unless stderr is a terminal` },
  { name: 'inline', value: 'none', help: 'run every slot in the main thread (debugging)' },
  { name: 'jobmanager', value: 'string', help: 'host:port of a cluster JobManager: run the job there (docs/cluster.md)' },
  { name: 'detached', value: 'none', help: 'with --jobmanager: print the job id and return at once' },
  { name: 'token-file', value: 'string', help: 'file with the cluster token (else WEIR_CLUSTER_TOKEN): for --jobmanager, and with --web every REST request must carry it' },
  { name: 'ha', value: 'string', help: 'etcd: find the cluster\'s JobManager leader through etcd instead of --jobmanager (docs/ha.md)' },
  { name: 'ha-endpoints', value: 'string', help: 'with --ha etcd: etcd client URLs, comma-separated' },
  { name: 'ha-cluster-id', value: 'string', help: 'with --ha etcd: the cluster\'s name in etcd (default "default")' },
  { name: 'tls-cert', value: 'string', help: 'with --jobmanager: this client\'s certificate, when the cluster uses TLS (with --tls-key, --tls-ca)' },
  { name: 'tls-key', value: 'string', help: 'with --jobmanager: the key of --tls-cert' },
  { name: 'tls-ca', value: 'string', help: 'with --jobmanager: the CA that signed the cluster\'s certificates' },
];

/**
 * Weir's flags (`--name value`, `--name=value`, `-p N`, `-p=N`, `-pN`) are taken out wherever
 * they appear; the first other argument not starting with `-` is the job file, the rest are job
 * arguments. A flag given twice: the last one wins (so a script's defaults can be overridden by
 * appending). Job arguments the job never reads are refused later, at execute() (`checkJobArguments`).
 */
export function parseRunArgs(args: readonly string[]): RunOptions {
  let jobFile: string | undefined;
  const jobArgs: string[] = [];
  const values = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const [rawName, inlineValue] = arg.startsWith('--') ? splitEq(arg.slice(2)) : shortFlag(arg);
    const spec = rawName === undefined ? undefined : RUN_FLAGS.find((f) => f.name === rawName);
    if (!spec) {
      if (jobFile === undefined && !arg.startsWith('-')) jobFile = arg;
      else jobArgs.push(arg);
      continue;
    }
    if (spec.value === 'none') {
      if (inlineValue !== undefined) throw new ConfigError(`weir run: --${spec.name} takes no value, got "${arg}"`);
      values.set(spec.name, 'true');
      continue;
    }
    if (spec.value === 'optional-int') {
      const next = args[i + 1];
      if (inlineValue !== undefined) values.set(spec.name, inlineValue);
      else if (next !== undefined && /^\d+$/.test(next)) values.set(spec.name, args[++i]!);
      else values.set(spec.name, '');
      continue;
    }
    const value = inlineValue ?? args[++i];
    if (value === undefined || (inlineValue === undefined && value.startsWith('--'))) throw new ConfigError(`weir run: --${spec.name} needs a value`);
    values.set(spec.name, value);
  }
  if (jobFile === undefined) throw new ConfigError('weir run: missing the job file (weir run <job.ts> [options] [job args])');

  const int = (name: string): number | undefined => {
    const v = values.get(name);
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new ConfigError(`weir run: --${name} must be an integer ≥ 1, got "${v}"`);
    return n;
  };
  const mode = values.get('checkpoint-mode');
  if (mode !== undefined) checkCheckpointingMode('weir run: --checkpoint-mode', mode);
  const checkpointDir = values.get('checkpoint-dir');
  const interval = int('checkpoint-interval');
  if (interval !== undefined && checkpointDir === undefined) throw new ConfigError('weir run: --checkpoint-interval needs --checkpoint-dir');
  const restore = values.get('restore');
  if (restore === 'latest' && checkpointDir === undefined) throw new ConfigError('weir run: --restore latest needs --checkpoint-dir');

  const checkpoint: Record<string, unknown> = {};
  if (checkpointDir !== undefined) checkpoint['dir'] = checkpointDir;
  if (interval !== undefined) checkpoint['interval'] = interval;
  if (mode !== undefined) checkpoint['mode'] = mode;
  const retained = int('retained-checkpoints');
  if (retained !== undefined) checkpoint['retainedCheckpoints'] = retained;

  const defaults: Record<string, unknown> = { checkpoint };
  const batch: Record<string, unknown> = {};
  const adaptive = values.get('parallelism') === 'auto';
  if (adaptive) values.delete('parallelism');
  const parallelism = int('parallelism');
  if (parallelism !== undefined) defaults['parallelism'] = parallelism;
  if (adaptive) batch['adaptive'] = { enabled: true };
  const sortMemory = values.get('batch-sort-memory');
  if (sortMemory !== undefined) batch['sortMemory'] = parseByteSize('weir run: --batch-sort-memory', sortMemory);
  const spillDir = values.get('batch-spill-dir');
  if (spillDir !== undefined) batch['spillDir'] = spillDir;
  const exchange = values.get('batch-exchange');
  if (exchange !== undefined) batch['exchange'] = exchange;
  const combine = values.get('batch-combine');
  if (combine !== undefined) {
    if (combine !== 'on' && combine !== 'off') throw new ConfigError(`weir run: --batch-combine must be on or off, got "${combine}"`);
    batch['combine'] = combine === 'on';
  }
  const windowCombine = values.get('window-combine');
  if (windowCombine !== undefined) {
    if (windowCombine !== 'on' && windowCombine !== 'off') throw new ConfigError(`weir run: --window-combine must be on or off, got "${windowCombine}"`);
    defaults['windowCombine'] = windowCombine === 'on';
  }
  const slots = int('batch-slots');
  if (slots !== undefined) batch['slots'] = slots;
  if (Object.keys(batch).length > 0) defaults['batch'] = checkBatchSettings('weir run', batch);
  const maxParallelism = int('max-parallelism');
  if (maxParallelism !== undefined) defaults['maxParallelism'] = maxParallelism;
  const bufferSize = int('buffer-size');
  if (bufferSize !== undefined) defaults['bufferSize'] = bufferSize;
  const buffersPerChannel = int('buffers-per-channel');
  if (buffersPerChannel !== undefined) defaults['buffersPerChannel'] = buffersPerChannel;
  if (restore !== undefined) defaults['restorePath'] = restore;
  const savepointDir = values.get('savepoint-dir');
  if (savepointDir !== undefined) defaults['savepointDir'] = savepointDir;
  if (values.has('allow-non-restored-state')) defaults['allowNonRestoredState'] = true;
  if (values.has('append-output')) defaults['appendOutput'] = true;
  const runtimeMode = values.get('runtime-mode');
  if (runtimeMode !== undefined) defaults['runtimeMode'] = checkRuntimeMode('weir run: --runtime-mode', runtimeMode);
  const batchKeyedInput = values.get('batch-keyed-input');
  if (batchKeyedInput !== undefined) defaults['batchKeyedInput'] = checkBatchKeyedInput('weir run: --batch-keyed-input', batchKeyedInput);
  const webPort = values.get('web');
  let web: WebOptions | undefined;
  if (webPort !== undefined) {
    const port = webPort === '' ? DEFAULT_WEB_PORT : Number(webPort);
    if (!/^\d*$/.test(webPort) || !Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`weir run: --web takes a port 0..65535 (0 = any free port), got "${webPort}"`);
    web = { port, host: values.get('web-host') ?? '127.0.0.1', lingerMs: int('web-linger') ?? 0 };
  } else {
    for (const flag of ['web-host', 'web-linger']) {
      if (values.has(flag)) throw new ConfigError(`weir run: --${flag} needs --web`);
    }
  }
  if (web && values.has('jobmanager')) throw new ConfigError('weir run: --web cannot be combined with --jobmanager: it serves the REST API of a local run');
  const logLevel = values.get('log-level') ?? 'warn';
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) throw new ConfigError(`weir run: --log-level must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
  return {
    jobFile, jobArgs, defaults: defaults as LaunchContext['defaults'],
    progress: !values.has('no-progress'), inline: values.has('inline'),
    jobmanager: values.get('jobmanager'), detached: values.has('detached'), tokenFile: values.get('token-file'),
    ...(values.has('ha') ? { ha: { ha: values.get('ha'), 'ha-endpoints': values.get('ha-endpoints'), 'ha-cluster-id': values.get('ha-cluster-id') } } : {}),
    web, logLevel: logLevel as LogLevel,
    tls: { 'tls-cert': values.get('tls-cert'), 'tls-key': values.get('tls-key'), 'tls-ca': values.get('tls-ca') },
  };
}

/** `-p`, `-p=N` and `-pN` are --parallelism; any other single-dash argument goes to the job. */
function shortFlag(arg: string): [string | undefined, string | undefined] {
  if (arg === '-p') return ['parallelism', undefined];
  if (arg.startsWith('-p=')) return ['parallelism', arg.slice(3)];
  if (/^-p\d+$/.test(arg)) return ['parallelism', arg.slice(2)];
  return [undefined, undefined];
}

/**
 * Refuses `--key` job arguments that the job never asked its ParameterTool for: a misspelt
 * Weir option (`--paralelism`) or job option would otherwise be ignored silently. Called by
 * the client at execute(), before anything is deployed; suggestions come from Weir's flags and
 * the keys the job did ask for.
 */
export function checkJobArguments(params: ParameterTool): void {
  const unknown = params.getUnrequestedParameters();
  if (unknown.length === 0) return;
  const candidates = [...RUN_FLAGS.map((f) => f.name), ...params.requestedKeys];
  const named = unknown.map((key) => {
    const suggestion = closest(key, candidates);
    return `--${key}${suggestion === undefined ? '' : ` (did you mean --${suggestion}?)`}`;
  });
  throw new ConfigError(
    `unknown option${unknown.length > 1 ? 's' : ''} ${named.join(', ')}: neither a weir run option (weir run --help) nor a job argument the job reads`,
  );
}

/** The candidate nearest to `word` by edit distance (transpositions count 1), if near enough to be a typo. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  const w = word.toLowerCase();
  const limit = w.length <= 3 ? 1 : w.length <= 6 ? 2 : 3;
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const c of candidates) {
    const d = editDistance(w, c.toLowerCase());
    if (d < bestDistance && d < Math.max(w.length, c.length)) { best = c; bestDistance = d; }
  }
  return best;
}

/** Optimal string alignment distance: insertions, deletions, substitutions and adjacent transpositions. */
function editDistance(a: string, b: string): number {
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    const row: number[] = [i];
    for (let j = 1; j <= b.length; j++) {
      if (i === 0) { row.push(j); continue; }
      const up = rows[i - 1]!;
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(up[j]! + 1, row[j - 1]! + 1, up[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, rows[i - 2]![j - 2]! + 1);
      row.push(d);
    }
    rows.push(row);
  }
  return rows[a.length]![b.length]!;
}

function splitEq(s: string): [string, string | undefined] {
  const eq = s.indexOf('=');
  return eq < 0 ? [s, undefined] : [s.slice(0, eq), s.slice(eq + 1)];
}

export function runHelp(): string {
  const lines = RUN_FLAGS.map((f) => `  --${f.name}${f.value === 'none' ? '' : f.value === 'optional-int' ? ' [port]' : ' <value>'}`.padEnd(34) + f.help);
  return [
    'Usage: weir run <job.ts|job.js> [options] [job args...]',
    '',
    'Runs a job file in local mode: a JobManager and one worker thread per slot.',
    'Options are recognised anywhere on the line (-p N, -p=N and -pN for --parallelism; the last',
    'occurrence of an option wins); every other argument reaches the job (env.getParameters()).',
    'A --key argument the job never reads fails the run before it starts (unknown option).',
    '',
    ...lines,
    '',
    'The first SIGINT/SIGTERM stops the job with a savepoint (when --checkpoint-dir or --savepoint-dir is set);',
    'a second one aborts at once.',
  ].join('\n');
}
