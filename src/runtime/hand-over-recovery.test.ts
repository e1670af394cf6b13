// After a same-thread consumer could not take a run (a checkpoint's alignment, back-pressure), the producer goes back to
// handing runs over as soon as the consumer took what was queued: the refused run is sent as a buffer of its own, and the
// consumer's read counts such short buffers by their records, so one step drains them.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Key } from '../core/types.ts';
import { isEvent, type ChannelItem, type RecordBuffer } from './events.ts';
import { InputChannel } from './network/input-channel.ts';
import { OutputChannel, type ChannelTransport } from './network/output-channel.ts';
import { RecordWriter, RUN_LENGTH } from './network/record-writer.ts';
import { InputGate } from './input-gate.ts';

test('a run the consumer refused is sent alone at once, and the next run is handed over again', () => {
  let accepting = true;
  const runs: unknown[][] = [];
  const input = new InputChannel(0, 0, () => {});
  input.receiver = {
    accepts: () => accepting,
    processRun: (_index, records, _keys, _selector, _keyGroups, _timestamps, count) => { runs.push(records.slice(0, count)); },
  };
  const transport: ChannelTransport = {
    local: true,
    deliver: (_id: number, item: ChannelItem) => { input.push(item); },
    input: () => input,
  };
  const channel = new OutputChannel(0, 8, transport);
  const key = (r: unknown): Key => r as number;
  const writer = new RecordWriter({ channels: [channel], partition: { kind: 'hash', key }, bufferSize: 1024, maxParallelism: 128, producerSubtask: 0, operatorName: 'Upstream Op' });
  const first = Array.from({ length: RUN_LENGTH }, (_, i) => i);
  accepting = false;
  for (const r of first) writer.emit(r);
  assert.equal(writer.hasPending, false, 'the refused run did not start a buffer that waits to fill up');
  const queued = input.take()!;
  assert.ok(!isEvent(queued));
  assert.deepEqual((queued as RecordBuffer).records, first, 'the refused run went out as one buffer, in order');
  assert.equal(input.isEmpty, true);

  // The consumer took the queued buffer and accepts again: the next full run goes over directly.
  accepting = true;
  const second = Array.from({ length: RUN_LENGTH }, (_, i) => 1000 + i);
  for (const r of second) writer.emit(r);
  assert.deepEqual(runs, [second]);
  assert.equal(input.isEmpty, true, 'nothing queued');
});

test('an input gate\'s read counts same-thread buffers by the share of a buffer its handler says it used', () => {
  const channel = new InputChannel(0, 0, () => {});
  for (let i = 0; i < 20; i++) channel.push({ records: [i], keyGroups: null, timestamps: null });
  const read: number[] = [];
  let share = 1 / 16;
  const gate = new InputGate([channel], 'exactly-once', {
    onBuffer: (_channel, item) => { read.push(...(item as RecordBuffer).records as number[]); return share; },
    onWatermark: () => {},
    onWatermarkStatus: () => {},
    onBarrier: () => {},
    onEndOfInput: () => {},
    shouldPause: () => false,
  });
  assert.equal(gate.read(8), true);
  assert.equal(read.length, 20, 'twenty short buffers fit a budget of 8 full ones');
  for (let i = 0; i < 20; i++) channel.push({ records: [100 + i], keyGroups: null, timestamps: null });
  share = 1;
  read.length = 0;
  gate.read(8);
  assert.equal(read.length, 8, 'full buffers: 8 per read');
});
