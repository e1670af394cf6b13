// Tests of weir init: what it writes, what it refuses. The scaffold's commands run in test/integration/package.test.ts.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../core/errors.ts';
import { SCAFFOLD_DEV_DEPENDENCIES, initProject, initSummary } from './init.ts';

test('weir init writes a project that depends on this version of weir, with the tools weir is tested with', () => {
  const dir = mkdtempSync(join(tmpdir(), 'weir-init-'));
  try {
    const result = initProject(join(dir, 'My Job!'), '1.2.3');
    assert.deepEqual([...result.files].sort(), ['.gitignore', 'README.md', 'package.json', 'src/job.ts', 'src/word-count.ts', 'test/word-count.test.ts', 'tsconfig.json']);
    const pkg = JSON.parse(readFileSync(join(result.dir, 'package.json'), 'utf8'));
    assert.equal(pkg.name, 'my-job-');
    assert.equal(pkg.type, 'module');
    assert.deepEqual(pkg.dependencies, { weir: '^1.2.3' });
    const ours = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'package.json'), 'utf8'));
    for (const [name, range] of Object.entries(SCAFFOLD_DEV_DEPENDENCIES)) assert.equal(range, ours.devDependencies[name], `${name} as in weir's package.json`);
    const tsconfig = JSON.parse(readFileSync(join(result.dir, 'tsconfig.json'), 'utf8'));
    assert.equal(tsconfig.compilerOptions.module, 'nodenext');
    assert.equal(tsconfig.compilerOptions.allowImportingTsExtensions, undefined, 'no special flag');
    assert.match(readFileSync(join(result.dir, 'src/job.ts'), 'utf8'), /runs once in the client and once more in every worker thread/);
    assert.match(readFileSync(join(result.dir, 'README.md'), 'utf8'), /npm test[\s\S]*npx weir run src\/job\.ts/);
    assert.match(initSummary(result, dir), /cd My Job!\n  npm install\n  npm test/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('weir init refuses a directory that is not empty, or a file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'weir-init-'));
  try {
    writeFileSync(join(dir, 'notes.txt'), 'mine');
    assert.throws(() => initProject(dir, '1.0.0'), (e: unknown) => e instanceof ConfigError && /is not empty \(notes\.txt\)/.test(e.message));
    assert.equal(readFileSync(join(dir, 'notes.txt'), 'utf8'), 'mine');
    assert.throws(() => initProject(join(dir, 'notes.txt'), '1.0.0'), /is not a directory/);
    mkdirSync(join(dir, 'empty'));
    assert.doesNotThrow(() => initProject(join(dir, 'empty'), '1.0.0'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
