import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { selfContainedBundle } from './client.ts';

test('a cluster submission carries the source map bin/weir linked beside the bundle, inline', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'weir-bundle-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const map = JSON.stringify({ version: 3, sources: ['job.ts'], names: [], mappings: 'AAAA' });
  writeFileSync(join(dir, 'bundle.mjs'), 'export const x = 1;\n//# sourceMappingURL=bundle.mjs.map\n');
  writeFileSync(join(dir, 'bundle.mjs.map'), map);
  const out = selfContainedBundle(join(dir, 'bundle.mjs')).toString('utf8');
  assert.ok(out.startsWith('export const x = 1;\n'), out);
  assert.ok(!out.includes('sourceMappingURL=bundle.mjs.map'), 'the link to the local file is gone');
  const inline = /\/\/# sourceMappingURL=data:application\/json;base64,(\S+)\n$/.exec(out);
  assert.ok(inline, out);
  assert.equal(Buffer.from(inline[1]!, 'base64').toString('utf8'), map);
});

test('a bundle without a linked map (or whose map file is missing) is sent as it is', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'weir-bundle-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const plain = 'export const y = 2;\n';
  writeFileSync(join(dir, 'plain.mjs'), plain);
  assert.equal(selfContainedBundle(join(dir, 'plain.mjs')).toString('utf8'), plain);
  const dangling = 'export const z = 3;\n//# sourceMappingURL=gone.mjs.map\n';
  writeFileSync(join(dir, 'dangling.mjs'), dangling);
  assert.equal(selfContainedBundle(join(dir, 'dangling.mjs')).toString('utf8'), dangling);
});
