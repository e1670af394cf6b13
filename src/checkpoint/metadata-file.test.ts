// Property tests of the `_metadata` encoding: round trip, and every bit flip or truncation detected.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CheckpointCorruptError } from '../core/errors.ts';
import { checksumOf } from './checksum.ts';
import { decodeMetadata, encodeMetadata, metadataProblem } from './metadata-file.ts';
import type { CheckpointMetadata } from './types.ts';

const count = fc.nat({ max: 1_000_000 });
const handle = fc.record({
  file: fc.stringMatching(/^[a-z0-9][a-z0-9._-]{0,20}$/),
  size: count,
  checksum: fc.uint8Array({ maxLength: 16 }).map((b) => checksumOf(b)),
});
const metadata: fc.Arbitrary<CheckpointMetadata> = fc.record(
  {
    version: fc.constant(1 as const),
    jobId: fc.string(),
    jobName: fc.string(),
    checkpointId: count,
    kind: fc.constantFrom('checkpoint' as const, 'savepoint' as const),
    timestamp: fc.nat(),
    durationMs: count,
    maxParallelism: count,
    operators: fc.array(
      fc.record({
        uid: fc.string(),
        name: fc.fullUnicodeString(),
        parallelism: count,
        subtasks: fc.array(fc.record({ subtask: count, handles: fc.dictionary(fc.string({ minLength: 1 }), handle, { maxKeys: 3 }) }), { maxLength: 3 }),
      }),
      { maxLength: 3 },
    ),
    extra: fc.dictionary(fc.string(), fc.jsonValue()),
  },
  { requiredKeys: ['version', 'jobId', 'jobName', 'checkpointId', 'kind', 'timestamp', 'durationMs', 'maxParallelism', 'operators'] },
);

test('encode then decode returns the same metadata', () => {
  fc.assert(
    fc.property(metadata, (m) => {
      assert.deepEqual(decodeMetadata(encodeMetadata(m), '/x/_metadata'), JSON.parse(JSON.stringify(m)));
    }),
    { numRuns: 200 },
  );
});

test('any single flipped bit is detected', () => {
  fc.assert(
    fc.property(metadata, fc.nat(), fc.nat({ max: 7 }), (m, at, bit) => {
      const bytes = Uint8Array.from(encodeMetadata(m));
      const index = at % bytes.length;
      bytes[index] = (bytes[index] as number) ^ (1 << bit);
      assert.throws(() => decodeMetadata(bytes, '/x/_metadata'), (e: unknown) => e instanceof CheckpointCorruptError && e.path === '/x/_metadata');
    }),
    { numRuns: 300 },
  );
});

test('any truncation is detected', () => {
  fc.assert(
    fc.property(metadata, fc.nat(), (m, cut) => {
      const bytes = encodeMetadata(m);
      const truncated = bytes.subarray(0, cut % bytes.length);
      assert.throws(() => decodeMetadata(truncated, '/x/_metadata'), CheckpointCorruptError);
    }),
    { numRuns: 300 },
  );
});

test('well-formed JSON of the wrong shape is rejected naming the field', () => {
  const good: CheckpointMetadata = {
    version: 1, jobId: 'j', jobName: 'n', checkpointId: 1, kind: 'checkpoint', timestamp: 0, durationMs: 0, maxParallelism: 128,
    operators: [{ uid: 'u', name: 'U', parallelism: 1, subtasks: [{ subtask: 0, handles: { keyed: { file: 'u-0-keyed', size: 1, checksum: checksumOf(new Uint8Array(1)) } } }] }],
  };
  assert.equal(metadataProblem(good), undefined);
  const escape = structuredClone(good) as unknown as { operators: [{ subtasks: [{ handles: { keyed: { file: string } } }] }] };
  escape.operators[0].subtasks[0].handles.keyed.file = '../outside';
  assert.match(metadataProblem(escape) ?? '', /operators\[0\]\.subtasks\[0\]\.handles\.keyed\.file/);
  assert.match(metadataProblem({ ...good, version: 2 }) ?? '', /version/);
  assert.match(metadataProblem({ ...good, checkpointId: -1 }) ?? '', /checkpointId/);

  const body = Buffer.from(JSON.stringify({ ...good, kind: 'snapshot' }));
  const file = Buffer.concat([Buffer.from(`weir-checkpoint-metadata 1 ${body.length} ${checksumOf(body)}\n`), body]);
  assert.throws(() => decodeMetadata(file, '/x/_metadata'), /invalid: kind/);
});
