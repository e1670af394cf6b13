// DuckDB doing the word count's work: lines lowercased, tokenized with the example's regex ([\p{L}\p{N}]+), counted per word, written as `word<TAB>count`.
//
//   node bench/duckdb-wordcount.mjs <file|dir> --output <file> [--threads N]
//
// Prints one JSON line on stdout like the baselines: words, distinct, linesOut and the in-process
// seconds (the query, reading and writing included; connecting excluded). DuckDB's RE2 spells the
// classes \pL and \pN. Threads default to DuckDB's own choice (all cores).

import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';

const args = process.argv.slice(2);
const input = args.find((a, i) => !a.startsWith('--') && args[i - 1] !== '--output' && args[i - 1] !== '--threads');
const output = args[args.indexOf('--output') + 1];
const threads = args.includes('--threads') ? Number(args[args.indexOf('--threads') + 1]) : undefined;
if (!input || !output || args.indexOf('--output') < 0) {
  process.stderr.write('usage: node bench/duckdb-wordcount.mjs <file|dir> --output <file> [--threads N]\n');
  process.exit(1);
}
const files = statSync(input).isDirectory()
  ? readdirSync(input).filter((f) => !f.startsWith('.') && !f.startsWith('_')).sort().map((f) => resolve(join(input, f)))
  : [resolve(input)];
const quote = (s) => `'${s.replaceAll("'", "''")}'`;

const instance = await DuckDBInstance.create(':memory:', threads ? { threads: String(threads) } : {});
const db = await instance.connect();
const started = performance.now();
// One column per line: a delimiter and quote that never occur, no header.
const lines = `read_csv([${files.map(quote).join(', ')}], columns = {'line': 'VARCHAR'}, header = false, delim = chr(1), quote = '', escape = '', auto_detect = false)`;
await db.run(`CREATE TEMP TABLE counts AS SELECT w, count(*) AS n FROM (SELECT unnest(regexp_extract_all(lower(line), '[\\pL\\pN]+')) AS w FROM ${lines}) GROUP BY w`);
await db.run(`COPY counts TO ${quote(resolve(output))} (FORMAT csv, DELIMITER '\t', HEADER false, QUOTE '')`);
const seconds = (performance.now() - started) / 1000;
const totals = await (await db.runAndReadAll('SELECT sum(n)::BIGINT AS words, count(*)::BIGINT AS distinct_words FROM counts')).getRowObjects();
const words = Number(totals[0].words);
const distinct = Number(totals[0].distinct_words);
process.stdout.write(`${JSON.stringify({ words, distinct, linesOut: distinct, seconds, wordsPerSecond: words / seconds })}\n`);
