// The `weir` command line: run a job file, list checkpoints, help.

import { setLaunchContext } from '../api/launch.ts';
import { formatCheckpointList } from '../checkpoint/index.ts';
import { executeLocally } from '../coordinator/local-executor.ts';
import type { JobManager } from '../coordinator/job-manager.ts';
import { terminateSlotWorkers, type StandbyWorkers } from '../runtime/task-manager.ts';
import { existsSync, statSync } from 'node:fs';
import { loadClusterToken, TOKEN_ENV } from '../cluster/token.ts';
import { join, resolve } from 'node:path';
import { ConfigError } from '../core/errors.ts';
import { JobRegistry } from '../coordinator/job-registry.ts';
import type { WebServer } from '../web/server.ts';
import { createLogger } from './logging.ts';
import { initProject, initSummary } from './init.ts';
import { checkJobArguments, parseRunArgs, runHelp } from './options.ts';
import { traceStartup } from '../core/startup-trace.ts';
import { ProgressReporter } from './progress.ts';
import { CLUSTER_COMMANDS, CLUSTER_HELP, clusterMain, runOnCluster } from '../cluster/cli.ts';

const HELP = `Usage: weir <command> [options]

Commands:
  run <job.ts|job.js> [options] [job args...]   run a job (weir run --help)
  checkpoints <dir>                             list the checkpoints and savepoints under dir
  init <dir>                                    create a project: package.json, tsconfig, a sample job and its test
  version                                       the version of weir (also --version; answered by bin/weir)
  help                                          this text

${CLUSTER_HELP}`;

/** What bin/weir bundles as a job file (esbuild's loaders for these extensions). */
export const JOB_FILE_EXTENSIONS: readonly string[] = ['.ts', '.mts', '.cts', '.tsx', '.js', '.mjs', '.cjs', '.jsx'];

export interface CliEnvironment {
  /** Imports the job module (bundled with the engine), or undefined when no job file was given. */
  readonly loadJob: (() => Promise<unknown>) | undefined;
  /** The worker script next to the bundle, for worker threads. */
  readonly workerScript: string;
  /** Slot worker threads bin/weir started at launch (runtime/task-manager.ts StandbyWorker), for the local run's slots. */
  readonly standby?: StandbyWorkers | undefined;
  /** Absolute path of the bundled job file (when loadJob is set). */
  readonly jobFile?: string | undefined;
  /** Weir's version (its package.json), which `weir init` puts into the new project's dependencies. */
  readonly version?: string | undefined;
  /** Weir's package root (bin/weir's ..): the dashboard's files and vendor libraries are found from it. */
  readonly packageRoot?: string | undefined;
}

/** Returns the process exit code. */
export async function cliMain(argv: readonly string[], cli: CliEnvironment): Promise<number> {
  process.setSourceMapsEnabled(true);
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        process.stdout.write(HELP);
        return command === undefined ? 1 : 0;
      case 'checkpoints':
        if (rest.includes('--help') || rest.length !== 1) {
          process.stdout.write('Usage: weir checkpoints <dir>\n\nLists id, time, size, duration and state per operator of every checkpoint and savepoint under dir.\n');
          return rest.includes('--help') ? 0 : 1;
        }
        process.stdout.write(await formatCheckpointList(rest[0]!));
        return 0;
      case 'init':
        if (rest.includes('--help') || rest.includes('-h') || rest.length !== 1 || rest[0]!.startsWith('-')) {
          process.stdout.write('Usage: weir init <dir>\n\nCreates a project in dir (new or empty): package.json, tsconfig.json, src/job.ts, a test with weir/testing, README.md.\n');
          return rest.includes('--help') || rest.includes('-h') ? 0 : 1;
        }
        process.stdout.write(initSummary(initProject(rest[0]!, cli.version ?? '0.1.0')));
        return 0;
      case 'run':
        if (rest.length === 0 || rest[0] === '--help' || rest[0] === '-h') {
          process.stdout.write(`${runHelp()}\n`);
          return rest.length === 0 ? 1 : 0;
        }
        return await run(rest, cli);
      default:
        if (CLUSTER_COMMANDS.includes(command)) return await clusterMain(command, rest, process.argv[1] ?? 'bin/weir', cli.packageRoot);
        process.stderr.write(`weir: unknown command "${command}"\n\n${HELP}`);
        return 1;
    }
  } catch (e) {
    printError(e);
    return 1;
  }
}

async function run(args: readonly string[], cli: CliEnvironment): Promise<number> {
  const options = parseRunArgs(args);
  const loadJob = checkJobFile(options.jobFile, cli);
  if (options.jobmanager !== undefined || options.ha !== undefined) return runOnCluster(options, cli.workerScript);
  const reporter = new ProgressReporter(process.stderr, options.progress);
  traceStartup('creating logger');
  const logger = await createLogger(options.logLevel, process.stderr, (text) => reporter.interject(text));
  traceStartup('logger created');
  const token = options.web ? readToken(options.tokenFile) : undefined;
  const registry = new JobRegistry();
  let executed = false;
  let jobManager: JobManager | undefined;
  let signals = 0;
  let aborting = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    signals++;
    // BATCH takes no savepoints: a signal aborts it (its partial output is never committed).
    if (signals === 1 && jobManager && jobManager.runtimeMode === 'STREAMING' && (options.defaults.checkpoint?.dir || options.defaults.savepointDir)) {
      process.stderr.write(`weir: ${signal}: stopping with a savepoint (send again to abort)\n`);
      jobManager.stopWithSavepoint();
      return;
    }
    const code = signal === 'SIGINT' ? 130 : 143;
    if (aborting) process.exit(code);
    aborting = true;
    process.stderr.write(`weir: ${signal}: aborting\n`);
    // The slot threads first (at most 2 s): one still spilling after the exit cleanup ran (core/exit-cleanup.ts)
    // would leave its files behind. Another signal meanwhile exits at once.
    void Promise.race([terminateSlotWorkers(), new Promise((r) => setTimeout(r, 2000).unref())]).finally(() => process.exit(code));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  setLaunchContext({
    defaults: options.defaults,
    jobArgs: options.jobArgs,
    execute: async (env, jobName) => {
      traceStartup('execute() called');
      executed = true;
      // Before anything is deployed: a misspelt option must not run the job with the default instead.
      checkJobArguments(env.getParameters());
      let web: WebServer | undefined;
      if (options.web) {
        const { startWebServer } = await import('../web/server.ts');
        const root = cli.packageRoot;
        const dashboardDir = root === undefined ? undefined : [join(root, 'src', 'web', 'dashboard'), join(root, 'dist', 'web', 'dashboard')].find((d) => existsSync(d));
        try {
          web = await startWebServer({ view: registry, host: options.web.host, port: options.web.port, token, logger, packageRoot: root, dashboardDir });
        } catch (e) {
          const code = (e as NodeJS.ErrnoException).code;
          if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') {
            throw new ConfigError(`--web: cannot listen on ${options.web.host}:${options.web.port} (${code}): ${(e as Error).message}`, e);
          }
          throw e;
        }
        process.stderr.write(`weir: REST API and dashboard at ${web.url}/${token === undefined ? '' : ' (bearer token required)'}\n`);
      }
      try {
        const result = await executeLocally(env, jobName, {
          mode: options.inline ? 'inline' : 'threads',
          workerScript: cli.workerScript,
          standby: cli.standby,
          listener: reporter,
          defaults: options.defaults,
          logger,
          logLevel: options.logLevel,
          onJobManager: (jm) => { jobManager = jm; registry.add(jm); },
        });
        if (result.savepointPath) process.stderr.write(`savepoint: ${result.savepointPath}\n`);
        process.stderr.write(reporter.summary(result));
        traceStartup('summary printed');
        return result;
      } finally {
        if (web) {
          if (options.web!.lingerMs > 0) await new Promise((r) => setTimeout(r, options.web!.lingerMs));
          await web.close();
        }
      }
    },
  });
  traceStartup('loading job');
  await loadJob();
  if (!executed) {
    process.stderr.write(`weir: ${options.jobFile} finished without calling env.execute() (or executeAndCollect()): nothing ran\n`);
    return 1;
  }
  return 0;
}

/** The cluster token (cluster/token.ts: --token-file wins over $WEIR_CLUSTER_TOKEN, at least 16 characters); undefined when neither is set. */
function readToken(tokenFile: string | undefined): string | undefined {
  if (tokenFile === undefined && process.env[TOKEN_ENV] === undefined) return undefined;
  return loadClusterToken(tokenFile).toString('utf8');
}

/** The job file named on the command line must be the one bin/weir bundled; otherwise say what is wrong with it. */
function checkJobFile(jobFile: string, cli: CliEnvironment): () => Promise<unknown> {
  const path = resolve(jobFile);
  if (!existsSync(path)) throw new ConfigError(`job file ${path} does not exist`);
  if (!statSync(path).isFile()) throw new ConfigError(`job file ${path} is not a file`);
  if (!JOB_FILE_EXTENSIONS.some((ext) => path.endsWith(ext))) {
    throw new ConfigError(`job file ${path} has no recognised extension (accepted: ${JOB_FILE_EXTENSIONS.join(' ')})`);
  }
  if (!cli.loadJob || (cli.jobFile !== undefined && cli.jobFile !== path)) {
    throw new ConfigError(`job file ${path}: the job file must be the first argument after weir run that is not an option${cli.jobFile ? ` (bundled: ${cli.jobFile})` : ''}`);
  }
  return cli.loadJob;
}

export function printError(e: unknown): void {
  if (e instanceof Error) {
    const remote = (e as { remoteStack?: string }).remoteStack;
    const code = (e as { code?: string }).code;
    process.stderr.write(`weir: error${code ? ` [${code}]` : ''}: ${e.message}\n`);
    // A setting or an input path is the user's to fix from the message; a stack helps for code (theirs or ours).
    const fault = (e as { fault?: string }).fault;
    const quiet = (fault === 'config' || fault === 'external') && !process.env['WEIR_DEBUG'];
    const stack = quiet ? undefined : remote ?? e.stack;
    if (stack) process.stderr.write(`${indent(stack)}\n`);
  } else {
    process.stderr.write(`weir: error: ${String(e)}\n`);
  }
}

function indent(s: string): string {
  return s.split('\n').map((l) => `    ${l}`).join('\n');
}

