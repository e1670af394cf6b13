// Log lines of `weir run` through pino: JSON lines when stderr is not a terminal, readable lines (pino-pretty) on one.
//
// Stdout belongs to the job (print sinks), so logs go to stderr. On a terminal each line is
// written above the live progress display (ProgressReporter.interject), which redraws below it.
// pino is imported here, in the client only: worker threads send their tasks' lines to it.

import { createRequire } from 'node:module';
import { levelEnabled, silentLogger, type Logger, type LogLevel } from '../core/logger.ts';

/**
 * The logger of `weir run`. pino (and pino-pretty on a terminal) is loaded at the first line that passes the level,
 * not before: at the default level (warn) most runs write none, and loading it cost the start-up 0.05–0.2 s before
 * the job file ran (docs/architecture.md, "Start-up").
 */
export async function createLogger(level: LogLevel, out: NodeJS.WriteStream, interject: (text: string) => void): Promise<Logger> {
  if (level === 'silent') return silentLogger;
  let root: PinoLike | undefined;
  return lazy(level, () => (root ??= loadPino(level, out, interject)));
}

function loadPino(level: LogLevel, out: NodeJS.WriteStream, interject: (text: string) => void): PinoLike {
  // Both are CommonJS and external to the bundle: resolved from here (the bundle's directory) as `import()` would.
  const require = createRequire(import.meta.url);
  const { pino } = require('pino') as typeof import('pino');
  const options = { level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime };
  if (out.isTTY === true) {
    const { prettyFactory } = require('pino-pretty') as typeof import('pino-pretty');
    const prettify = prettyFactory({ colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' });
    return pino(options, { write: (line: string) => interject(prettify(line)) });
  }
  return pino(options, { write: (line: string) => { out.write(line); } });
}

/** The engine's Logger over a pino logger made on first use; levels are checked here, so a dropped line loads nothing. */
function lazy(level: LogLevel, get: () => PinoLike): Logger {
  let p: PinoLike | undefined;
  const real = (): PinoLike => (p ??= get());
  const on = (l: LogLevel): boolean => levelEnabled(level, l);
  return {
    error: (f, m) => { if (on('error')) real().error(f, m); },
    warn: (f, m) => { if (on('warn')) real().warn(f, m); },
    info: (f, m) => { if (on('info')) real().info(f, m); },
    debug: (f, m) => { if (on('debug')) real().debug(f, m); },
    child: (bindings) => lazy(level, () => real().child(bindings)),
    isLevelEnabled: (l) => on(l as LogLevel),
  };
}

interface PinoLike {
  error(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  info(fields: object, message: string): void;
  debug(fields: object, message: string): void;
  child(bindings: Record<string, unknown>): PinoLike;
  isLevelEnabled(level: string): boolean;
}
