// Tests of checkpoint file names: state file names are valid and distinct, temporaries never pass as state.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isTemporaryName, isValidStateFileName, parseCheckpointDirName, stateFileName, temporaryName } from './file-names.ts';

const role = fc.constantFrom('keyed', 'operator', 'source', 'sink');

test('stateFileName gives a valid name for any uid, and distinct triples give distinct names', () => {
  fc.assert(
    fc.property(fc.fullUnicodeString({ maxLength: 300 }), fc.nat({ max: 4096 }), role, (uid, subtask, r) => {
      assert.ok(isValidStateFileName(stateFileName(uid, subtask, r)), stateFileName(uid, subtask, r));
    }),
    { numRuns: 300 },
  );
  fc.assert(
    fc.property(fc.string(), fc.string(), fc.nat({ max: 64 }), fc.nat({ max: 64 }), role, role, (u1, u2, s1, s2, r1, r2) => {
      fc.pre(u1 !== u2 || s1 !== s2 || r1 !== r2);
      assert.notEqual(stateFileName(u1, s1, r1), stateFileName(u2, s2, r2));
    }),
    { numRuns: 500 },
  );
  const escaped = stateFileName('a b', 0, 'keyed');
  const lookalike = escaped.slice(0, -'-0-keyed'.length);
  assert.notEqual(stateFileName(lookalike, 0, 'keyed'), escaped);
  assert.equal(stateFileName('word-count', 3, 'keyed'), 'word-count-3-keyed');
});

test('temporary names are never valid state file names', () => {
  fc.assert(
    fc.property(fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,50}$/), (name) => {
      const temporary = temporaryName(name);
      assert.ok(isTemporaryName(temporary));
      assert.equal(isValidStateFileName(temporary), false);
    }),
  );
  assert.equal(isValidStateFileName('_metadata'), false);
});

test('parseCheckpointDirName accepts chk-<n> only', () => {
  assert.equal(parseCheckpointDirName('chk-0'), 0);
  assert.equal(parseCheckpointDirName('chk-42'), 42);
  for (const name of ['chk-', 'chk-01', 'chk-1a', 'chk--1', 'savepoint-1', 'chk-99999999999999999999']) {
    assert.equal(parseCheckpointDirName(name), undefined, name);
  }
});
