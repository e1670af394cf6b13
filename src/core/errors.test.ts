// Tests of the failure classification: which errors a restart can heal.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CheckpointCorruptError, ConfigError, isRecoverable, isTransientIoError, WeirError } from './errors.ts';

function errno(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: something`), { code });
}

test('user exceptions and retryable Weir errors are recoverable; settings, corrupt data and non-retryable errors are not', () => {
  assert.equal(isRecoverable(new Error('boom')), true);
  assert.equal(isRecoverable(new TypeError('x is undefined')), true);
  assert.equal(isRecoverable(new WeirError('disk full', { code: 'X', fault: 'external', retryable: true })), true);
  assert.equal(isRecoverable(new ConfigError('bad setting')), false);
  assert.equal(isRecoverable(new CheckpointCorruptError('flipped byte', '/x')), false);
  assert.equal(isRecoverable(new WeirError('lost part file', { code: 'X', fault: 'external', retryable: false })), false);
  // A setting stays a setting even if someone marked it retryable.
  assert.equal(isRecoverable(new WeirError('bad', { code: 'X', fault: 'config', retryable: true })), false);
});

test('I/O that can heal (full disk, permissions, I/O errors) is transient; a path of the wrong kind is not', () => {
  for (const code of ['ENOSPC', 'EACCES', 'EPERM', 'EIO', 'EMFILE', 'EAGAIN', 'ENOENT']) assert.equal(isTransientIoError(errno(code)), true, code);
  for (const code of ['ENOTDIR', 'EISDIR', 'EEXIST', 'ENAMETOOLONG', 'ELOOP', 'EROFS']) assert.equal(isTransientIoError(errno(code)), false, code);
});
