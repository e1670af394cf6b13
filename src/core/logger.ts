// The logging interface the engine writes to (pino's call shape, so a pino logger fits), and one that drops everything.

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export interface Logger {
  error(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  info(fields: object, message: string): void;
  debug(fields: object, message: string): void;
  child(bindings: Record<string, unknown>): Logger;
  isLevelEnabled(level: string): boolean;
}

export const silentLogger: Logger = {
  error: () => {}, warn: () => {}, info: () => {}, debug: () => {},
  child: () => silentLogger,
  isLevelEnabled: () => false,
};

/** Whether `level` is logged when the threshold is `threshold` (pino's order). */
export function levelEnabled(threshold: LogLevel, level: LogLevel): boolean {
  if (threshold === 'silent' || level === 'silent') return false;
  const order = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'];
  return order.indexOf(level) >= order.indexOf(threshold);
}
