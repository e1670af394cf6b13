// print(): one line per record on stdout/stderr, prefixed `<subtask+1>> ` when parallel (as Flink), written per batch.

import { StreamOperator } from '../operator.ts';

const FLUSH_AT = 64 * 1024;

export class PrintOperator extends StreamOperator {
  readonly #userPrefix: string | undefined;
  readonly #stream: 'stdout' | 'stderr';
  #prefix = '';
  #pending = '';

  constructor(prefix: string | undefined, stream: 'stdout' | 'stderr') {
    super();
    this.#userPrefix = prefix;
    this.#stream = stream;
  }

  override open(): void {
    const parallel = this.context.parallelism > 1;
    const sub = parallel ? `${this.context.subtaskIndex + 1}> ` : '';
    this.#prefix = this.#userPrefix ? `${this.#userPrefix}:${parallel ? '' : ' '}${sub}` : sub;
  }

  /** One string per batch: appends only, the write (and its UTF-8 encoding) happens once per ~64 K units. */
  processElement(record: unknown): void {
    this.#pending += this.#prefix + formatRecord(record) + '\n';
    if (this.#pending.length > FLUSH_AT) this.flush();
  }

  override flush(): void {
    if (this.#pending.length === 0) return;
    this.context.writeText(this.#stream, this.#pending);
    this.#pending = '';
  }

  override finish(): void { this.flush(); }
}

/** Tuples print as (a,b) like Flink's Tuple.toString; objects as JSON; the rest with String(). Built by appends: no array per record. */
export function formatRecord(record: unknown): string {
  if (Array.isArray(record)) {
    let s = '(';
    for (let i = 0; i < record.length; i++) {
      const v: unknown = record[i];
      if (i > 0) s += ',';
      s += typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v);
    }
    return s + ')';
  }
  if (typeof record === 'object' && record !== null) return JSON.stringify(record);
  return String(record);
}
