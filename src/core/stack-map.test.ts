import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { build } from 'esbuild';
import { mapStack } from './stack-map.ts';

const SOURCE = [
  'export function parse(line: string): number {',
  '  const n: number = Number(line);',
  "  if (Number.isNaN(n)) throw new Error(`not a number: ${line}`);",
  '  return n;',
  '}',
  "try { parse('x'); } catch (e) { process.stdout.write((e as Error).stack!); }",
].join('\n');

/** The stack V8 writes for SOURCE bundled with the given map kind, run without source-map support. */
async function rawStack(dir: string, sourcemap: 'linked' | 'inline'): Promise<string> {
  const out = join(dir, `bundle-${sourcemap}.mjs`);
  await build({ entryPoints: [join(dir, 'job.ts')], outfile: out, bundle: true, format: 'esm', platform: 'node', sourcemap, sourcesContent: false, minifyWhitespace: true, logLevel: 'silent' });
  return execFileSync(process.execPath, [out], { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
}

for (const kind of ['linked', 'inline'] as const) {
  test(`a stack of a bundle with a ${kind} map points at the job's source once mapped`, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'weir-stack-map-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, 'job.ts'), SOURCE);
    const raw = await rawStack(dir, kind);
    assert.match(raw, new RegExp(`bundle-${kind}\\.mjs:1:\\d+`), 'the child ran without source maps');
    const mapped = mapStack(raw);
    assert.match(mapped, /^Error: not a number: x\n/);
    // The throw is on line 3 of job.ts, `new Error` at column 30 (V8 names the constructor call).
    assert.ok(mapped.includes(`at parse (${join(dir, 'job.ts')}:3:30)`), mapped);
    assert.ok(mapped.includes(`${join(dir, 'job.ts')}:6:7`), mapped);
    assert.ok(!mapped.includes('bundle-'), mapped);
  });
}

test('frames without a map, or of a file that is gone, stay as they were', () => {
  const stack = 'Error: x\n    at f (file:///nonexistent/weir-gone.mjs:3:4)\n    at node:internal/timers:483:21\n    at g (/nonexistent/other.js:1:2)';
  assert.equal(mapStack(stack), stack);
  assert.equal(mapStack(undefined), undefined);
});
