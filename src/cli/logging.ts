// Log lines of `weir run` through pino: JSON lines when stderr is not a terminal, readable lines (pino-pretty) on one.
//
// Stdout belongs to the job (print sinks), so logs go to stderr. On a terminal each line is
// written above the live progress display (ProgressReporter.interject), which redraws below it.
// pino is imported here, in the client only: worker threads send their tasks' lines to it.

import { silentLogger, type Logger, type LogLevel } from '../core/logger.ts';

export async function createLogger(level: LogLevel, out: NodeJS.WriteStream, interject: (text: string) => void): Promise<Logger> {
  if (level === 'silent') return silentLogger;
  const { pino } = await import('pino');
  const options = { level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime };
  if (out.isTTY === true) {
    const { prettyFactory } = await import('pino-pretty');
    const prettify = prettyFactory({ colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' });
    return adapt(pino(options, { write: (line: string) => interject(prettify(line)) }));
  }
  return adapt(pino(options, { write: (line: string) => { out.write(line); } }));
}

interface PinoLike {
  error(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  info(fields: object, message: string): void;
  debug(fields: object, message: string): void;
  child(bindings: Record<string, unknown>): PinoLike;
  isLevelEnabled(level: string): boolean;
}

/** The engine's Logger over a pino logger (pino's own type is wider than what the engine calls). */
function adapt(p: PinoLike): Logger {
  return {
    error: (f, m) => p.error(f, m), warn: (f, m) => p.warn(f, m), info: (f, m) => p.info(f, m), debug: (f, m) => p.debug(f, m),
    child: (bindings) => adapt(p.child(bindings)),
    isLevelEnabled: (level) => p.isLevelEnabled(level),
  };
}
