// The Node options a slot's worker thread starts with: this process's, less those Node refuses in a worker.
//
// `new Worker(…, { execArgv })` throws ERR_WORKER_INVALID_EXEC_ARGV for V8 options and per-process ones
// (--max-old-space-size, --stack-size, --expose-gc, --jitless, --title, …), so passing process.execArgv as it is
// made `node --max-old-space-size=8192 bin/weir run job.ts`, the way out that Weir's own out-of-memory message
// names, fail before the job started. V8's flags are process-wide: every isolate made after start-up, the workers'
// too, runs under them (a worker of `node --max-old-space-size=64` stops at 64 MB), so leaving them out of the
// worker's execArgv loses nothing; the per-process ones apply to the process anyway.
//
// Which options Node refuses is Node's to say (it differs between versions), so nothing here lists them: the first
// worker is started with every option; if Node refuses some, its error names them ("…invalid execArgv flags: a, b"),
// and that worker and every later one start without them. bin/weir's standby threads follow the same rule (it runs
// before the engine is bundled, so it has its own few lines for it).

import { Worker, type WorkerOptions } from 'node:worker_threads';

/** The options every worker got so far (undefined until the first worker started). */
let accepted: readonly string[] | undefined;

/** The entries of `argv` that Node's ERR_WORKER_INVALID_EXEC_ARGV message names; empty when it names none of them. */
export function refusedExecArgv(message: string, argv: readonly string[]): Set<string> {
  const at = message.lastIndexOf('flags: ');
  if (at < 0) return new Set();
  const named = new Set(message.slice(at + 'flags: '.length).split(', '));
  return new Set(argv.filter((a) => named.has(a)));
}

/** `new Worker(script, options)` with this process's Node options, less those Node refuses in a worker. */
export function startWorker(script: string | URL, options: Omit<WorkerOptions, 'execArgv'>): Worker {
  const argv = accepted ?? process.execArgv;
  try {
    const worker = new Worker(script, { ...options, execArgv: [...argv] });
    accepted = argv;
    return worker;
  } catch (e) {
    if ((e as { code?: unknown }).code !== 'ERR_WORKER_INVALID_EXEC_ARGV' || accepted !== undefined) throw e;
    const refused = refusedExecArgv((e as Error).message, argv);
    // Node checks the options before it starts the thread or takes the transfer list: nothing was started or moved.
    if (refused.size === 0) throw e;
    accepted = argv.filter((a) => !refused.has(a));
    return new Worker(script, { ...options, execArgv: [...accepted] });
  }
}
