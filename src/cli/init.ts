// `weir init <dir>`: scaffolds a project that depends on Weir — package.json, tsconfig, a sample job, its test, a README.

import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { ConfigError } from '../core/errors.ts';

/**
 * Versions of the tools the scaffold's devDependencies name: the ones Weir itself is built and
 * tested with (its own package.json), so `npm install` there resolves what is already known to work.
 */
export const SCAFFOLD_DEV_DEPENDENCIES: Readonly<Record<string, string>> = {
  '@types/node': '^20.17.0',
  tsx: '^4.19.0',
  typescript: '^5.7.0',
};

export interface InitResult {
  readonly dir: string;
  readonly files: readonly string[];
}

/** Writes the project into `dir` (created if missing; refused if it exists and is not empty). */
export function initProject(dir: string, weirVersion: string): InitResult {
  const root = resolve(dir);
  if (existsSync(root)) {
    if (!statSync(root).isDirectory()) throw new ConfigError(`weir init: ${root} exists and is not a directory`);
    const entries = readdirSync(root).filter((e) => e !== '.git');
    if (entries.length > 0) throw new ConfigError(`weir init: ${root} is not empty (${entries.slice(0, 3).join(', ')}${entries.length > 3 ? ', …' : ''}); give a new or empty directory`);
  }
  const files = templates(packageName(root), weirVersion);
  for (const [path, content] of Object.entries(files)) {
    const full = join(root, path);
    mkdirSync(join(full, '..'), { recursive: true });
    writeFileSync(full, content);
  }
  return { dir: root, files: Object.keys(files) };
}

/** What `weir init` prints once the files are written. */
export function initSummary(result: InitResult, cwd = process.cwd()): string {
  const rel = relative(cwd, result.dir) || '.';
  return [
    `Created a Weir project in ${result.dir}:`,
    ...result.files.map((f) => `  ${f}`),
    '',
    'Next:',
    ...(rel === '.' ? [] : [`  cd ${rel}`]),
    '  npm install',
    '  npm test                      # type-check, then the tests in test/ (weir/testing)',
    '  npx weir run src/job.ts -p 2  # run the job on 2 worker threads',
    '',
  ].join('\n');
}

/** npm package names: lowercase, URL-safe, no leading dot or underscore. */
function packageName(root: string): string {
  const name = basename(root).toLowerCase().replace(/[^a-z0-9._~-]+/g, '-').replace(/^[._-]+/, '');
  return name === '' ? 'weir-job' : name;
}

function templates(name: string, weirVersion: string): Record<string, string> {
  const pkg = {
    name,
    version: '0.1.0',
    private: true,
    type: 'module',
    scripts: {
      start: 'weir run src/job.ts --parallelism 2',
      test: 'tsc && node --import tsx --test test/word-count.test.ts',
    },
    dependencies: { weir: `^${weirVersion}` },
    devDependencies: SCAFFOLD_DEV_DEPENDENCIES,
  };
  const tsconfig = {
    compilerOptions: {
      module: 'nodenext',
      target: 'es2022',
      strict: true,
      noUncheckedIndexedAccess: true,
      verbatimModuleSyntax: true,
      isolatedModules: true,
      types: ['node'],
      skipLibCheck: true,
      noEmit: true,
    },
    include: ['src', 'test'],
  };
  return {
    'package.json': `${JSON.stringify(pkg, null, 2)}\n`,
    'tsconfig.json': `${JSON.stringify(tsconfig, null, 2)}\n`,
    '.gitignore': 'node_modules\nout/\n',
    'src/word-count.ts': WORD_COUNT,
    'src/job.ts': JOB,
    'test/word-count.test.ts': TEST,
    'README.md': readme(name),
  };
}

const WORD_COUNT = `// The pipeline, apart from the job file so tests can import it without running the job.

import type { Collector, DataStream } from 'weir';

export interface WordCount {
  word: string;
  count: number;
}

/** Lowercase words (runs of Unicode letters and digits), each with a count of 1. */
export function tokenize(line: string, out: Collector<WordCount>): void {
  for (const m of line.toLowerCase().matchAll(/[\\p{L}\\p{N}]+/gu)) out.collect({ word: m[0], count: 1 });
}

/** Running count per word: one record per update, the last one of a word is its total. */
export function countWords(lines: DataStream<string>): DataStream<WordCount> {
  return lines
    .flatMap(tokenize).name('Tokenize').uid('tokenize')
    // Field names are checked against the record type: keyBy('wrd') would not compile.
    .keyBy('word')
    .sum('count').uid('count');
}
`;

const JOB = `// The job: \`npx weir run src/job.ts [--input <file|dir>] [-p N]\` (worker threads), or \`npx tsx src/job.ts\` (inline, one thread).
//
// This file's top-level code runs once in the client and once more in every worker thread:
// each one rebuilds the same graph. Keep it deterministic (no Date.now() or Math.random()
// deciding the graph) and free of side effects; do one-time work where only the client runs
// it: after \`await env.execute()\`, which returns in the client only, or behind
// \`isMainThread\` (node:worker_threads) for work needed before the job starts.

import { StreamExecutionEnvironment } from 'weir';
import { countWords, type WordCount } from './word-count.js';

const env = StreamExecutionEnvironment.getExecutionEnvironment();
const input = env.getParameters().get('input');

const lines = input === undefined
  ? env.fromElements('to be or not to be', 'that is the question')
  : env.readTextFile(input);

countWords(lines)
  .map(({ word, count }: WordCount) => \`\${word}\\t\${count}\`)
  .print();

await env.execute('word-count');
`;

const TEST = `// Tests of the pipeline: one operator through weir/testing's harness, and the whole pipeline inline.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StreamExecutionEnvironment } from 'weir';
import { OperatorHarness, flatMapSpec } from 'weir/testing';
import { countWords, tokenize } from '../src/word-count.js';

test('tokenize emits lowercase words with a count of 1', async () => {
  const harness = OperatorHarness.forSpec(flatMapSpec(tokenize));
  await harness.open();
  harness.processElement('To be, or NOT');
  await harness.close();
  assert.deepEqual(harness.output.map((w) => w.word), ['to', 'be', 'or', 'not']);
});

test('countWords counts every word', async () => {
  const env = StreamExecutionEnvironment.getExecutionEnvironment({ parallelism: 2 });
  const counts = await countWords(env.fromElements('a b a', 'b a')).executeAndCollect();
  const totals = new Map<string, number>();
  for (const { word, count } of counts) totals.set(word, Math.max(totals.get(word) ?? 0, count));
  assert.deepEqual(Object.fromEntries(totals), { a: 3, b: 2 });
});
`;

function readme(name: string): string {
  return `# ${name}

A [Weir](https://www.npmjs.com/package/weir) stream processing job.

\`\`\`sh
npm install
npm test                                # type-check (tsc), then node:test with weir/testing
npx weir run src/job.ts -p 2            # run the job on 2 worker threads (npm start)
npx weir run src/job.ts --input books/  # count the words of a file or a directory
\`\`\`

- \`src/word-count.ts\` — the pipeline, importable by tests.
- \`src/job.ts\` — the job file. Its top-level code runs once in the client and once in every
  worker thread, so it must build the same graph every time; put one-time work after
  \`await env.execute()\` (client only) or behind \`isMainThread\` from \`node:worker_threads\`.
- \`test/word-count.test.ts\` — one operator through \`OperatorHarness\`, then the whole pipeline
  inline with \`executeAndCollect()\`.

\`weir run --help\` lists the options (parallelism, checkpoints, restore from a savepoint).
`;
}
