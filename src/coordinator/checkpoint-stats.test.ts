// CheckpointStatsTracker: history entries through acks, completion and failure; per-subtask state sizes of the latest completed point.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CheckpointStatsTracker } from './checkpoint-stats.ts';

test('an entry gathers acks (max durations, summed size), completes with its path; sizes per subtask follow the latest completed one', () => {
  const t = new CheckpointStatsTracker();
  const e = t.begin(1, 'checkpoint', 1000, 2);
  assert.equal(t.inProgress, 1);
  t.ack(e, '0.0', 100, { syncMs: 1, asyncMs: 5, alignmentMs: 0 }, 1010);
  t.ack(e, '1.0', 300, { syncMs: 3, asyncMs: 2, alignmentMs: 7 }, 1020);
  assert.equal(e.numAcknowledgedSubtasks, 2);
  assert.equal(e.latestAckTimestamp, 1020);
  assert.deepEqual([e.syncDuration, e.asyncDuration, e.alignmentDuration], [3, 5, 7]);
  assert.equal(t.stateSizes.size, 0, 'sizes count only once the checkpoint completed');
  t.complete(e, '/cp/chk-1', 25, 450);
  assert.equal(e.status, 'COMPLETED');
  assert.equal(e.stateSize, 450);
  assert.equal(t.stateSizes.get('1.0'), 300);
  assert.equal(t.latest('COMPLETED', 'checkpoint'), e);

  const s = t.begin(2, 'savepoint', 2000, 2);
  t.ack(s, '0.0', 10, { syncMs: 0, asyncMs: 0, alignmentMs: 0 }, 2001);
  t.fail(s, 'declined', 2005);
  assert.equal(s.status, 'FAILED');
  assert.equal(s.failureMessage, 'declined');
  assert.equal(s.endToEndDuration, 5);
  assert.equal(t.stateSizes.get('1.0'), 300, 'a failed point does not change the sizes');
  t.fail(s, 'again');
  assert.deepEqual([t.total, t.completed, t.failed, t.inProgress], [2, 1, 1, 0]);
  assert.equal(t.latest('FAILED'), s);
  assert.equal(t.latest('COMPLETED', 'savepoint'), undefined);
});

test('the history keeps the newest 100 entries', () => {
  const t = new CheckpointStatsTracker();
  for (let i = 1; i <= 130; i++) t.complete(t.begin(i, 'checkpoint', i, 1), `/cp/chk-${i}`, 1, 1);
  assert.equal(t.history.length, 100);
  assert.equal(t.history[0]!.id, 31);
  assert.equal(t.completed, 130);
});
