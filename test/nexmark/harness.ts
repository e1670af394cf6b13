// Test harness for the Nexmark queries: the same generated events run through Weir (STREAMING and BATCH) and into DuckDB, results compared as CSV lines.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { NexmarkSource, StreamExecutionEnvironment, generateEvent, nexmarkWatermarks, type NexmarkConfig, type NexmarkEvent } from '../../src/index.ts';
import { csvLine, results, type NexmarkQuery, type Row } from '../../examples/nexmark/queries/query.ts';

/** Small but not trivial: 2 generators, ~40 s of event time, across a UTC day boundary and the 07:00/08:00 and 19:00/20:00 hours when asked. */
export function testConfig(events: number, extra: NexmarkConfig = {}): NexmarkConfig {
  return { events, generators: 2, eventRate: 500, seed: 42, baseTime: Date.UTC(2026, 0, 1, 23, 59, 45), ...extra };
}

export function eventsOf(config: NexmarkConfig): NexmarkEvent[] {
  return Array.from({ length: config.events! }, (_, n) => generateEvent(config, n));
}

const TABLES = {
  person: ['person', { id: 'BIGINT', name: 'VARCHAR', emailAddress: 'VARCHAR', creditCard: 'VARCHAR', city: 'VARCHAR', state: 'VARCHAR', dateTime: 'BIGINT', extra: 'VARCHAR' }],
  auction: ['auction', {
    id: 'BIGINT', itemName: 'VARCHAR', description: 'VARCHAR', initialBid: 'BIGINT', reserve: 'BIGINT', dateTime: 'BIGINT', expires: 'BIGINT',
    seller: 'BIGINT', category: 'BIGINT', extra: 'VARCHAR',
  }],
  bid: ['bid', { auction: 'BIGINT', bidder: 'BIGINT', price: 'BIGINT', channel: 'VARCHAR', url: 'VARCHAR', dateTime: 'BIGINT', extra: 'VARCHAR' }],
} as const;

/** DuckDB over the events: tables person, auction, bid with the model's columns (times as epoch-ms BIGINT; epoch_ms() makes timestamps). */
export class Reference {
  readonly #instance: DuckDBInstance;
  readonly connection: DuckDBConnection;
  private constructor(instance: DuckDBInstance, connection: DuckDBConnection) {
    this.#instance = instance;
    this.connection = connection;
  }

  static async load(events: readonly NexmarkEvent[]): Promise<Reference> {
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    const dir = mkdtempSync(join(tmpdir(), 'weir-nexmark-'));
    try {
      const lines: Record<string, string[]> = { person: [], auction: [], bid: [] };
      for (const e of events) {
        if (e.type === 0) lines['person']!.push(JSON.stringify(e.person));
        else if (e.type === 1) lines['auction']!.push(JSON.stringify(e.auction));
        else lines['bid']!.push(JSON.stringify(e.bid));
      }
      for (const [table, [, columns]] of Object.entries(TABLES)) {
        const file = join(dir, `${table}.jsonl`);
        writeFileSync(file, lines[table]!.join('\n') + '\n');
        const cols = Object.entries(columns).map(([c, t]) => `"${c}": '${t}'`).join(', ');
        await connection.run(`CREATE TABLE ${table} AS SELECT * FROM read_json('${file}', format = 'newline_delimited', columns = {${cols}})`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    return new Reference(instance, connection);
  }

  /** The rows of `sql` as CSV lines (BIGINT as numbers, DECIMAL cast to VARCHAR in the SQL, NULL as an empty field). */
  async lines(sql: string): Promise<string[]> {
    const reader = await this.connection.runAndReadAll(sql);
    return reader.getRows().map((r) => csvLine(r.map((v) => (typeof v === 'bigint' ? Number(v) : v === null ? null : typeof v === 'number' ? v : String(v))) as Row));
  }

  close(): void {
    this.connection.closeSync();
    this.#instance.closeSync();
  }
}

export type Mode = 'STREAMING' | 'BATCH';

/** The query's final rows as CSV lines, from a Nexmark source over `config` at `parallelism`. */
export async function weirLines(query: NexmarkQuery, config: NexmarkConfig, mode: Mode, parallelism = 2, upserts = false): Promise<string[]> {
  const env = StreamExecutionEnvironment.getExecutionEnvironment({ parallelism });
  env.setRuntimeMode(mode);
  const events = env.fromSource(new NexmarkSource(config), nexmarkWatermarks(), 'Nexmark');
  return results(query, events, true, upserts).map(csvLine, 'CSV').executeAndCollect(`nexmark-${query.name}`);
}

/** Equal as multisets of lines; on a difference, a few lines missing from and extra in Weir's output. */
export function assertSameLines(actual: readonly string[], expected: readonly string[], what: string): void {
  const a = [...actual].sort();
  const e = [...expected].sort();
  if (a.length === e.length && a.every((l, i) => l === e[i])) return;
  const count = (xs: string[]) => { const m = new Map<string, number>(); for (const x of xs) m.set(x, (m.get(x) ?? 0) + 1); return m; };
  const ca = count(a);
  const ce = count(e);
  const missing = [...ce].filter(([l, n]) => (ca.get(l) ?? 0) < n).map(([l]) => l).slice(0, 5);
  const extra = [...ca].filter(([l, n]) => (ce.get(l) ?? 0) < n).map(([l]) => l).slice(0, 5);
  assert.fail(`${what}: ${a.length} lines, the reference has ${e.length}.\n  missing: ${missing.map((l) => l.slice(0, 160)).join('\n           ')}\n  extra:   ${extra.map((l) => l.slice(0, 160)).join('\n           ')}`);
}

/** Runs the query in both modes and compares each with the reference's lines (which must not be empty: a test must be able to fail). */
export async function checkQuery(query: NexmarkQuery, config: NexmarkConfig, expected: readonly string[], minRows = 1): Promise<void> {
  assert.ok(expected.length >= minRows, `${query.name}: the reference gave ${expected.length} rows, expected at least ${minRows}`);
  for (const mode of ['STREAMING', 'BATCH'] as const) {
    assertSameLines(await weirLines(query, config, mode), expected, `${query.name} ${mode}`);
  }
  // An updating query with a final-table pipeline: its upsert stream, compacted to the last row per key, says the same.
  if (query.buildFinal !== undefined) assertSameLines(await weirLines(query, config, 'STREAMING', 2, true), expected, `${query.name} STREAMING upserts`);
}
