// What a user does with the published package: npm pack, install the tarball into a fresh project
// (offline), scaffold it with weir init, then npm test, npx weir run, plain node, tsx and the project's own tsc.
//
// Offline: npm resolves a range (esbuild ^0.24.0) through the registry's metadata, which `npm install`
// from a lockfile never caches. So the new project gets a package-lock.json whose entries (version +
// integrity) are copied from this repo's lockfile: npm then takes the tarballs from its cache, where
// .ci/run's `npm install` put them, and installs without the network (`--offline` makes sure of it).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, removeDir, tempDir } from './helpers.ts';

interface LockEntry { version?: string; dependencies?: Record<string, string>; optionalDependencies?: Record<string, string>; dev?: boolean; optional?: boolean }

/** Runs a command; npm's own network use is forbidden by npm_config_offline. */
function run(cmd: string, args: readonly string[], cwd: string, timeout = 120_000): SpawnSyncReturns<string> {
  const started = Date.now();
  // NODE_TEST_CONTEXT (set for this file by node --test) would turn the project's own node --test into a silent
  // child; npm_* variables of an enclosing `npm test` (npm_config_local_prefix!) would point npm at this repo.
  // Kept: where npm's cache and configuration files are.
  const keep = new Set(['npm_config_cache', 'npm_config_userconfig', 'npm_config_globalconfig', 'npm_config_registry', 'npm_config_cafile']);
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'NODE_TEST_CONTEXT' && (!/^npm_/i.test(k) || keep.has(k.toLowerCase()))));
  const r = spawnSync(cmd, args, {
    cwd, encoding: 'utf8', timeout,
    env: { ...env, npm_config_offline: 'true', npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false', NO_COLOR: '1' },
  });
  if (process.env['WEIR_TEST_TIMES']) process.stderr.write(`${((Date.now() - started) / 1000).toFixed(1)} s  ${cmd} ${args.join(' ')}\n`);
  return r;
}

function ok(r: SpawnSyncReturns<string>, what: string): string {
  assert.equal(r.status, 0, `${what} failed (${r.status ?? r.signal}):\n${r.stdout}\n${r.stderr}${r.error ? `\n${r.error.message}` : ''}`);
  return r.stdout;
}

/**
 * The entries of ROOT's lockfile that a project's dependencies and Weir's own (`hoisted`, e.g. esbuild)
 * need, found by node's nested lookup, as that project's lockfile.
 */
function seededLock(name: string, root: { dependencies?: Record<string, string>; devDependencies?: Record<string, string> }, hoisted: readonly string[]): object {
  const repo = (JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> }).packages;
  const packages: Record<string, LockEntry> = { '': { ...root } as LockEntry };
  const visit = (from: string, dep: string, optional: boolean): void => {
    for (let base = from; ; base = base.slice(0, Math.max(0, base.lastIndexOf('/node_modules/')))) {
      const path = `${base === '' ? '' : `${base}/`}node_modules/${dep}`;
      const entry = repo[path];
      if (entry) {
        if (packages[path]) return;
        packages[path] = entry;
        for (const d of Object.keys(entry.dependencies ?? {})) visit(path, d, false);
        for (const d of Object.keys(entry.optionalDependencies ?? {})) visit(path, d, true);
        return;
      }
      if (base === '') break;
    }
    assert.ok(optional, `${dep} (needed by ${from || name}) is not in the repo's package-lock.json`);
  };
  for (const d of [...Object.keys(root.dependencies ?? {}), ...Object.keys(root.devDependencies ?? {}), ...hoisted]) visit('', d, false);
  return { name, lockfileVersion: 3, requires: true, packages };
}

const npm = 'npm';

test('the packed tarball installs offline into a new project: weir init, npm test, npx weir run, node, tsx and tsc', { timeout: 240_000 }, () => {
  const dir = tempDir('package');
  try {
    // 1. npm pack (prepack builds dist/), and what the tarball holds.
    const packed = JSON.parse(ok(run(npm, ['pack', '--json', '--pack-destination', dir], ROOT, 180_000), 'npm pack')) as [{ filename: string; files: { path: string }[] }];
    const files = packed[0].files.map((f) => f.path).sort();
    for (const f of ['package.json', 'README.md', 'bin/weir', 'dist/index.js', 'dist/index.d.ts', 'dist/testing/index.js', 'dist/testing/index.d.ts', 'dist/cli/entry.js']) {
      assert.ok(files.includes(f), `the tarball lacks ${f}`);
    }
    const unwanted = files.filter((f) => /(^|\/)(test|tests|bench|data|examples|scripts|src|docs)\/|\.test\.|test-fixtures|\.tsbuildinfo$|^tsconfig/.test(f));
    assert.deepEqual(unwanted, [], 'no tests, benchmarks, data, sources or build configuration in the tarball');
    assert.ok(files.every((f) => f === 'package.json' || f === 'README.md' || f === 'bin/weir' || f.startsWith('dist/')), `unexpected files: ${files.join(' ')}`);
    const tarball = join(dir, packed[0].filename);

    // 2. A new project from weir init, with Weir installed from the tarball (offline, from npm's cache).
    ok(run(process.execPath, [join(ROOT, 'bin', 'weir'), 'init', 'app'], dir), 'weir init');
    const app = join(dir, 'app');
    type Manifest = { name: string; version: string; dependencies: Record<string, string>; devDependencies: Record<string, string> };
    const pkg = JSON.parse(readFileSync(join(app, 'package.json'), 'utf8')) as Manifest;
    const weir = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Manifest;
    assert.equal(pkg.dependencies['weir'], `^${weir.version}`);
    const { weir: _weir, ...otherDeps } = pkg.dependencies;
    const lock = seededLock(pkg.name, { dependencies: otherDeps, devDependencies: pkg.devDependencies }, Object.keys(weir.dependencies));
    writeFileSync(join(app, 'package-lock.json'), JSON.stringify(lock));
    ok(run(npm, ['install', '--offline', '--no-audit', '--no-fund', tarball], app), 'npm install --offline <tarball>');

    // 3. The scaffold's own commands: npm test (tsc, then node:test with weir/testing) and npx weir run.
    const tested = run(npm, ['test'], app);
    ok(tested, 'npm test in the scaffold');
    assert.match(tested.stdout, /# pass 2\b/);
    assert.match(tested.stdout, /# fail 0\b/);

    const ran = ok(run('npx', ['--offline', 'weir', 'run', 'src/job.ts', '-p', '2'], app), 'npx weir run src/job.ts -p 2');
    const printed = ran.split('\n').filter((l) => l !== '').map((l) => l.replace(/^\d+> /, ''));
    assert.ok(printed.includes('be\t2') && printed.includes('to\t2') && printed.includes('question\t1'), `npx weir run printed:\n${ran}`);
    assert.match(ok(run(npm, ['exec', '--offline', '--', 'weir', '--version'], app), 'npm exec weir --version'), /^weir \d+\.\d+\.\d+/);
    // The engine came from the package's dist/ (it has no src/); bundles went to the project's node_modules/.cache.
    assert.ok(!existsSync(join(app, 'node_modules', 'weir', 'src')) && existsSync(join(app, 'node_modules', 'weir', 'dist', 'index.js')));
    assert.ok(existsSync(join(app, 'node_modules', '.cache', 'weir')), 'weir run keeps its bundles in the project\'s node_modules/.cache');

    // 4. Inline runs: a JavaScript job under plain node, the TypeScript job under the project's tsx.
    writeFileSync(join(app, 'inline.js'), [
      "import { StreamExecutionEnvironment } from 'weir';",
      'const env = StreamExecutionEnvironment.getExecutionEnvironment({ parallelism: 2 });',
      "const out = await env.fromElements({ user: 'a', n: 1 }, { user: 'b', n: 2 }, { user: 'a', n: 3 }).keyBy('user').sum('n').executeAndCollect();",
      'console.log(JSON.stringify(out.filter((r) => r.user === "a").map((r) => r.n)));',
    ].join('\n'));
    assert.equal(ok(run(process.execPath, ['inline.js'], app), 'node inline.js').trim(), '[1,4]');
    const js = ok(run('npx', ['--offline', 'weir', 'run', 'inline.js', '-p', '2'], app), 'npx weir run inline.js');
    assert.equal(js.trim(), '[1,4]', 'the same JavaScript job through weir run (worker threads)');
    const tsx = ok(run('npx', ['--offline', 'tsx', 'src/job.ts'], app), 'npx tsx src/job.ts');
    assert.ok(tsx.split('\n').includes('question\t1'), `tsx src/job.ts printed:\n${tsx}`);

    // 5. tsc in a folder configured by `tsc --init` (nodenext, strict, verbatimModuleSyntax, ...): a job
    // type-checks with no special flag, and a misspelt field fails naming it. With --skipLibCheck false
    // (TypeScript's own lib files aside), Weir's .d.ts files must be clean too, without @types/node (types []).
    const plain = join(app, 'plain');
    mkdirSync(plain);
    ok(run('npx', ['--offline', 'tsc', '--init'], plain), 'tsc --init');
    writeFileSync(join(plain, 'word-count.ts'), readFileSync(join(app, 'src', 'word-count.ts'), 'utf8'));
    writeFileSync(join(plain, 'bad-key.ts'), [
      "import { StreamExecutionEnvironment } from 'weir';",
      'const env = StreamExecutionEnvironment.getExecutionEnvironment();',
      "env.fromElements({ user: 'a', count: 1 }).keyBy('usr').sum('count').print();",
      'await env.execute();',
    ].join('\n'));
    const bad = run('npx', ['--offline', 'tsc', '--noEmit', '--skipLibCheck', 'false', '--skipDefaultLibCheck', '-p', '.'], plain);
    assert.notEqual(bad.status, 0, `tsc accepted keyBy('usr') on { user, count }:\n${bad.stdout}${bad.stderr}`);
    const errors = bad.stdout.split('\n').filter((l) => /error TS\d+/.test(l));
    assert.equal(errors.length, 1, `one error, in bad-key.ts only:\n${bad.stdout}`);
    assert.match(errors[0]!, /^bad-key\.ts\(3,\d+\): error TS2769: No overload matches this call/);
    assert.match(bad.stdout, /Argument of type '"usr"' is not assignable to parameter of type '"user" \| "count"'/);
  } finally {
    removeDir(dir);
  }
});
