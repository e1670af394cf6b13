// Job arguments: `--key value` pairs and `--flag`s, as Flink's ParameterTool, remembering which keys the job asked for.

import { ConfigError } from '../core/errors.ts';

/**
 * Every accessor (has, get, getRequired, getNumber, getBoolean; toObject for all keys) marks
 * the key as requested, whether or not it was given: `weir run` refuses, at execute(), a
 * `--key` the job never requested (a misspelt option), as Flink's `getUnrequestedParameters()`.
 */
export class ParameterTool {
  readonly #values: Map<string, string>;
  readonly #positional: string[];
  readonly #requested = new Set<string>();

  private constructor(values: Map<string, string>, positional: string[]) {
    this.#values = values;
    this.#positional = positional;
  }

  /** Parses `--key value`, `--key=value` and bare `--flag` (value "true"). */
  static fromArgs(args: readonly string[]): ParameterTool {
    const values = new Map<string, string>();
    const positional: string[] = [];
    for (let i = 0; i < args.length; i++) {
      const arg = args[i]!;
      if (!arg.startsWith('--') || arg === '--') { positional.push(arg); continue; }
      const eq = arg.indexOf('=');
      if (eq > 0) { values.set(arg.slice(2, eq), arg.slice(eq + 1)); continue; }
      const next = args[i + 1];
      if (next !== undefined && !next.startsWith('--')) { values.set(arg.slice(2), next); i++; }
      else values.set(arg.slice(2), 'true');
    }
    return new ParameterTool(values, positional);
  }

  has(key: string): boolean { return this.#values.has(this.#request(key)); }
  get(key: string): string | undefined;
  get(key: string, fallback: string): string;
  get(key: string, fallback?: string): string | undefined { return this.#values.get(this.#request(key)) ?? fallback; }

  getRequired(key: string): string {
    const v = this.#values.get(this.#request(key));
    if (v === undefined) throw new ConfigError(`missing required job argument --${key}`);
    return v;
  }

  getNumber(key: string, fallback?: number): number {
    const v = this.#values.get(this.#request(key));
    if (v === undefined) {
      if (fallback === undefined) throw new ConfigError(`missing required job argument --${key}`);
      return fallback;
    }
    const n = Number(v);
    if (!Number.isFinite(n)) throw new ConfigError(`job argument --${key} must be a number, got "${v}"`);
    return n;
  }

  getBoolean(key: string, fallback = false): boolean {
    const v = this.#values.get(this.#request(key));
    return v === undefined ? fallback : v !== 'false';
  }

  get positional(): readonly string[] { return this.#positional; }
  toObject(): Record<string, string> {
    for (const key of this.#values.keys()) this.#requested.add(key);
    return Object.fromEntries(this.#values);
  }

  /** Keys the job asked for so far, given or not, in the order first asked. */
  get requestedKeys(): readonly string[] { return [...this.#requested]; }

  /** Given keys the job never asked for (in argument order): misspelt or stray options. */
  getUnrequestedParameters(): string[] {
    return [...this.#values.keys()].filter((k) => !this.#requested.has(k));
  }

  #request(key: string): string {
    this.#requested.add(key);
    return key;
  }
}
