import assert from 'node:assert/strict';
import { test } from 'node:test';
import { slotJitFor } from './slot-jit.ts';

test('slot threads compile inline only when they fill every core, unless WEIR_SLOT_JIT says otherwise', () => {
  assert.equal(slotJitFor(1, 2, undefined), 'concurrent');
  assert.equal(slotJitFor(2, 2, undefined), 'inline');
  assert.equal(slotJitFor(3, 2, undefined), 'inline');
  assert.equal(slotJitFor(2, 4, undefined), 'concurrent');
  assert.equal(slotJitFor(1, 2, 'inline'), 'inline');
  assert.equal(slotJitFor(8, 2, 'concurrent'), 'concurrent');
  assert.equal(slotJitFor(8, 2, ''), 'inline');
  assert.throws(() => slotJitFor(1, 2, 'off'), { code: 'WEIR_CONFIG', message: /WEIR_SLOT_JIT must be "concurrent" or "inline", got "off"/ });
});
