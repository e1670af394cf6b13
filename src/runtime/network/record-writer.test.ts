// Tests of the record writer (partitioners, batching, event order) and of output channels (credit-based flow control).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { WeirError } from '../../core/errors.ts';
import type { Key } from '../../core/types.ts';
import type { PartitionSpec } from '../../api/transformation.ts';
import { keyGroupFor, operatorIndexForKeyGroup } from '../../state/index.ts';
import { decodeBatch } from '../../serde/index.ts';
import { isEvent, type ChannelItem, type RecordBuffer, type StreamEvent } from '../events.ts';
import { OutputChannel, type ChannelTransport } from './output-channel.ts';
import { RecordWriter } from './record-writer.ts';
import { InputChannel } from './input-channel.ts';

interface Delivery {
  readonly channel: number;
  readonly item: ChannelItem;
  readonly transfer: ArrayBuffer | null;
}

/** A transport that records every delivery, in order. */
class RecordingTransport implements ChannelTransport {
  readonly local: boolean;
  readonly shared: boolean;
  readonly deliveries: Delivery[] = [];
  constructor(local = true, shared = false) {
    this.local = local;
    this.shared = shared;
  }
  deliver(channel: number, item: ChannelItem, transfer: ArrayBuffer | null): void {
    this.deliveries.push({ channel, item, transfer });
  }
  /** Records per channel, flattened in delivery order. */
  recordsOf(channel: number): unknown[] {
    return this.deliveries.filter((d) => d.channel === channel && !isEvent(d.item)).flatMap((d) => (d.item as RecordBuffer).records);
  }
  /** A compact trace: `ch:[records]` for buffers, `ch:type` for events. */
  trace(): string[] {
    return this.deliveries.map((d) => (isEvent(d.item) ? `${d.channel}:${d.item.type}` : `${d.channel}:${JSON.stringify((d.item as RecordBuffer).records)}`));
  }
}

function setup(options: { n: number; partition: PartitionSpec; bufferSize?: number; capacity?: number; producerSubtask?: number; maxParallelism?: number; local?: boolean; shared?: boolean }): {
  writer: RecordWriter; channels: OutputChannel[]; transport: RecordingTransport;
} {
  const transport = new RecordingTransport(options.local ?? true, options.shared ?? false);
  const channels = Array.from({ length: options.n }, (_, i) => new OutputChannel(i, options.capacity ?? 1000, transport));
  const writer = new RecordWriter({
    channels, partition: options.partition, bufferSize: options.bufferSize ?? 1, maxParallelism: options.maxParallelism ?? 128,
    producerSubtask: options.producerSubtask ?? 0, operatorName: 'Upstream Op',
  });
  return { writer, channels, transport };
}

function emitAll(writer: RecordWriter, records: readonly unknown[]): void {
  for (const r of records) writer.emit(r);
  writer.flush();
}

test('forward sends everything to its single channel', () => {
  const { writer, transport } = setup({ n: 1, partition: { kind: 'forward' }, producerSubtask: 3 });
  emitAll(writer, [1, 2, 3]);
  assert.deepEqual(transport.recordsOf(0), [1, 2, 3]);
  assert.equal(writer.recordsOut, 3);
});

test('rebalance and rescale go round robin, starting at the producer subtask', () => {
  for (const kind of ['rebalance', 'rescale'] as const) {
    const { writer, transport } = setup({ n: 3, partition: { kind }, producerSubtask: 1 });
    emitAll(writer, ['a', 'b', 'c', 'd', 'e', 'f', 'g']);
    assert.deepEqual(transport.deliveries.map((d) => d.channel), [1, 2, 0, 1, 2, 0, 1], kind);
    assert.deepEqual(transport.recordsOf(1), ['a', 'd', 'g'], kind);
  }
});

test('shuffle stays in range and reaches every channel', () => {
  const { writer, transport } = setup({ n: 4, partition: { kind: 'shuffle' } });
  emitAll(writer, Array.from({ length: 400 }, (_, i) => i));
  const counts = [0, 1, 2, 3].map((ch) => transport.recordsOf(ch).length);
  assert.equal(transport.deliveries.every((d) => d.channel >= 0 && d.channel < 4), true);
  assert.equal(counts.reduce((a, b) => a + b), 400);
  for (const c of counts) assert.ok(c > 0, `a channel got nothing: ${counts.join(',')}`);
});

test('broadcast sends each record to all channels; global sends all to channel 0', () => {
  const b = setup({ n: 3, partition: { kind: 'broadcast' } });
  emitAll(b.writer, ['x', 'y']);
  for (const ch of [0, 1, 2]) assert.deepEqual(b.transport.recordsOf(ch), ['x', 'y']);
  const g = setup({ n: 3, partition: { kind: 'global' }, producerSubtask: 2 });
  emitAll(g.writer, ['x', 'y', 'z']);
  assert.deepEqual(g.transport.recordsOf(0), ['x', 'y', 'z']);
  assert.equal(g.transport.deliveries.length, 3);
  assert.equal(g.transport.deliveries.every((d) => d.channel === 0), true);
});

test('hash: every record of a key goes to the subtask owning its key group, and carries that key group', () => {
  const key = fc.oneof(fc.string({ maxLength: 12 }), fc.integer(), fc.tuple(fc.string({ maxLength: 4 }), fc.integer()));
  fc.assert(
    fc.property(fc.array(key, { minLength: 1, maxLength: 60 }), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 9, max: 300 }), fc.integer({ min: 1, max: 8 }), (keys, n, maxParallelism, bufferSize) => {
      const { writer, transport } = setup({ n, partition: { kind: 'hash', key: (r) => (r as { k: Key }).k }, maxParallelism, bufferSize });
      emitAll(writer, keys.map((k, i) => ({ k, i })));
      let seen = 0;
      for (const d of transport.deliveries) {
        const buffer = d.item as RecordBuffer;
        assert.ok(buffer.keyGroups, 'a hash edge carries key groups');
        assert.equal(buffer.keyGroups.length, buffer.records.length);
        buffer.records.forEach((r, j) => {
          const kg = keyGroupFor((r as { k: Key }).k, maxParallelism);
          assert.equal(buffer.keyGroups![j], kg);
          assert.equal(d.channel, operatorIndexForKeyGroup(maxParallelism, n, kg));
          seen++;
        });
      }
      assert.equal(seen, keys.length);
    }),
    { numRuns: 150 },
  );
});

test('hash: string keys get keyGroupFor\'s key group at power-of-two maxParallelism (the writer\'s mask) and at others (its remainder)', () => {
  const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((unit) => String.fromCharCode(unit));
  const key = fc.oneof(fc.string({ maxLength: 12 }), fc.string({ unit: codeUnit, maxLength: 20 }), fc.string({ unit: 'binary', minLength: 40, maxLength: 90 }), fc.constantFrom('', 'naïve', '\ud800', '😀'));
  const maxParallelism = fc.constantFrom(1, 2, 3, 4, 7, 8, 64, 100, 127, 128, 129, 255, 256, 1000, 1024, 4096, 32768);
  fc.assert(
    fc.property(fc.array(key, { minLength: 1, maxLength: 60 }), fc.integer({ min: 1, max: 4 }), maxParallelism, (keys, n, mp) => {
      const { writer, transport } = setup({ n: Math.min(n, mp), partition: { kind: 'hash', key: (r) => (r as { k: Key }).k }, maxParallelism: mp, bufferSize: 3 });
      emitAll(writer, keys.map((k, i) => ({ k, i })));
      let seen = 0;
      for (const d of transport.deliveries) {
        const buffer = d.item as RecordBuffer;
        buffer.records.forEach((r, j) => {
          const kg = keyGroupFor((r as { k: Key }).k, mp);
          assert.equal(buffer.keyGroups![j], kg);
          assert.equal(d.channel, operatorIndexForKeyGroup(mp, Math.min(n, mp), kg));
          seen++;
        });
      }
      assert.equal(seen, keys.length);
    }),
    { numRuns: 200 },
  );
});

test('hash: number keys that share a slot of the writer\'s key-group cache (k, k + 1024, -0, NaN, fractions) still get their own key group', () => {
  const pool = [0, -0, 1024, 2048, -1024, 1, 1025, 1.5, 1025.5, -1, 2 ** 40, 2 ** 40 + 1024, Number.NaN, 7, 7 + 3 * 1024];
  fc.assert(
    fc.property(fc.array(fc.constantFrom(...pool), { minLength: 1, maxLength: 80 }), fc.integer({ min: 2, max: 5 }), (keys, n) => {
      const { writer, transport } = setup({ n, partition: { kind: 'hash', key: (r) => (r as { k: Key }).k }, maxParallelism: 128, bufferSize: 4 });
      emitAll(writer, keys.map((k, i) => ({ k, i })));
      let seen = 0;
      for (const d of transport.deliveries) {
        const buffer = d.item as RecordBuffer;
        buffer.records.forEach((r, j) => {
          const kg = keyGroupFor((r as { k: Key }).k, 128);
          assert.equal(buffer.keyGroups![j], kg);
          assert.equal(d.channel, operatorIndexForKeyGroup(128, n, kg));
          seen++;
        });
      }
      assert.equal(seen, keys.length);
    }),
    { numRuns: 100 },
  );
});

test('hash with a key selector that returns no valid key fails naming the operator and the record', () => {
  const { writer } = setup({ n: 2, partition: { kind: 'hash', key: (r) => (r as { k: Key }).k } });
  assert.throws(() => writer.emit({ id: 7 }), (e: unknown) => e instanceof WeirError && /"Upstream Op"/.test(e.message) && /\{"id":7\}/.test(e.message));
});

test('a custom partitioner picks the channel; one out of range fails naming the operator', () => {
  const { writer, transport } = setup({ n: 3, partition: { kind: 'custom', key: (r) => r as number, partition: (k, n) => (k as number) % n } });
  emitAll(writer, [5, 6, 7]);
  assert.deepEqual(transport.deliveries.map((d) => d.channel), [2, 0, 1]);
  const bad = setup({ n: 3, partition: { kind: 'custom', key: (r) => r as number, partition: () => 3 } });
  assert.throws(() => bad.writer.emit(1), (e: unknown) => e instanceof WeirError && /"Upstream Op"/.test(e.message) && /returned 3/.test(e.message) && /\[0, 3\)/.test(e.message));
  const fractional = setup({ n: 3, partition: { kind: 'custom', key: (r) => r as number, partition: () => 0.5 } });
  assert.throws(() => fractional.writer.emit(1), /returned 0.5/);
});

test('records are batched into buffers of bufferSize; flush() sends partial buffers', () => {
  const { writer, transport } = setup({ n: 2, partition: { kind: 'rebalance' }, bufferSize: 3 });
  for (let i = 0; i < 8; i++) writer.emit(i);
  assert.deepEqual(transport.trace(), ['0:[0,2,4]', '1:[1,3,5]']);
  assert.equal(writer.hasPending, true);
  writer.flush();
  assert.deepEqual(transport.trace().slice(2), ['0:[6]', '1:[7]']);
  assert.equal(writer.hasPending, false);
  writer.flush();
  assert.equal(transport.deliveries.length, 4, 'flushing empty buffers sends nothing');
});

test('an event reaches every channel after the records emitted before it', () => {
  const { writer, transport } = setup({ n: 2, partition: { kind: 'rebalance' }, bufferSize: 100 });
  writer.emit('a');
  writer.emit('b');
  writer.emit('c');
  writer.broadcastEvent({ type: 'watermark', timestamp: 5 });
  writer.emit('d');
  writer.broadcastEvent({ type: 'barrier', checkpointId: 1, timestamp: 0, kind: 'checkpoint' });
  assert.deepEqual(transport.trace(), ['0:["a","c"]', '1:["b"]', '0:watermark', '1:watermark', '1:["d"]', '0:barrier', '1:barrier']);
});

test('credits: with capacity 2 a third buffer (and the events behind it) wait in the backlog until addCredit', () => {
  const { writer, channels, transport } = setup({ n: 1, partition: { kind: 'forward' }, capacity: 2, bufferSize: 1 });
  const ch = channels[0]!;
  writer.emit('a');
  writer.emit('b');
  assert.equal(ch.credits, 0);
  writer.emit('c');
  writer.broadcastEvent({ type: 'watermark', timestamp: 9 });
  assert.deepEqual(transport.trace(), ['0:["a"]', '0:["b"]']);
  assert.equal(writer.hasBacklog, true);
  ch.addCredit(null);
  assert.deepEqual(transport.trace(), ['0:["a"]', '0:["b"]', '0:["c"]', '0:watermark']);
  assert.equal(writer.hasBacklog, false);
  assert.equal(ch.credits, 0);
  assert.equal(ch.buffersSent, 3);
  ch.addCredit(null);
  writer.emit('d');
  assert.deepEqual(transport.trace().at(-1), '0:["d"]');
});

test('events wait behind a backlog but do not need credits themselves', () => {
  const transport = new RecordingTransport();
  const ch = new OutputChannel(7, 1, transport);
  ch.sendEvent({ type: 'watermark', timestamp: 1 });
  ch.sendBuffer({ records: [1], keyGroups: null, timestamps: null });
  ch.sendEvent({ type: 'watermark', timestamp: 2 });
  assert.deepEqual(transport.trace(), ['7:watermark', '7:[1]', '7:watermark']);
  ch.sendBuffer({ records: [2], keyGroups: null, timestamps: null });
  const end: StreamEvent = { type: 'end-of-data' };
  ch.sendEvent(end);
  assert.equal(transport.deliveries.length, 3);
  ch.addCredit(null);
  assert.deepEqual(transport.trace().slice(3), ['7:[2]', '7:end-of-data']);
});

test('to another process (a transport that is not shared) a buffer is encoded once and its ArrayBuffer may be transferred; key groups survive', () => {
  const { writer, transport } = setup({ n: 2, partition: { kind: 'hash', key: (r) => r as string }, bufferSize: 1000, local: false });
  const keys = ['a', 'b', 'c', 'd', 'e', 'f'];
  emitAll(writer, keys);
  let total = 0;
  for (const d of transport.deliveries) {
    assert.ok(d.item instanceof ArrayBuffer);
    assert.equal(d.transfer, d.item);
    const decoded = decodeBatch(d.item);
    decoded.records.forEach((r, j) => {
      assert.equal(decoded.keyGroups![j], keyGroupFor(r as string, 128));
      assert.equal(d.channel, operatorIndexForKeyGroup(128, 2, keyGroupFor(r as string, 128)));
    });
    total += decoded.records.length;
  }
  assert.equal(total, keys.length);
});

test('between worker threads (a shared transport) batches are SharedArrayBuffers, never transferred; a returned one is written again, one in flight never', () => {
  const { writer, channels, transport } = setup({ n: 1, partition: { kind: 'rebalance' }, bufferSize: 4, capacity: 3, local: false, shared: true });
  const batch = (from: number): string[] => Array.from({ length: 4 }, (_, i) => `r${from + i}`);
  const sent = (): SharedArrayBuffer[] => transport.deliveries.map((d) => d.item as SharedArrayBuffer);
  // Three batches in flight (no credit back yet): three distinct buffers, each still holding its own batch.
  emitAll(writer, [...batch(0), ...batch(4), ...batch(8)]);
  assert.equal(transport.deliveries.length, 3);
  for (const d of transport.deliveries) {
    assert.ok(d.item instanceof SharedArrayBuffer);
    assert.equal(d.transfer, null);
  }
  assert.equal(new Set(sent()).size, 3);
  sent().forEach((b, i) => assert.deepEqual(decodeBatch(b).records, batch(i * 4)));
  // The consumer gives the second one back: the next batch is written into it, the other two stay as they were.
  const second = sent()[1]!;
  channels[0]!.addCredit(second);
  emitAll(writer, batch(12));
  assert.equal(sent()[3], second);
  assert.deepEqual(decodeBatch(sent()[0]!).records, batch(0));
  assert.deepEqual(decodeBatch(sent()[2]!).records, batch(8));
  assert.deepEqual(decodeBatch(sent()[3]!).records, batch(12));
  // A batch larger than its buffer grows into a new SharedArrayBuffer (still shared, still not transferred).
  channels[0]!.addCredit(sent()[0]!);
  emitAll(writer, Array.from({ length: 4 }, (_, i) => 'x'.repeat(8000 + i)));
  const big = transport.deliveries.at(-1)!;
  assert.ok(big.item instanceof SharedArrayBuffer);
  assert.equal(big.transfer, null);
  assert.deepEqual((decodeBatch(big.item).records as string[]).map((r) => r.length), [8000, 8001, 8002, 8003]);
});

test('keyed edges hand same-thread records over in runs with their keys, in order; a consumer that cannot take a run gets it queued in a buffer', () => {
  const runs: { channel: number; records: unknown[]; keys: Key[]; keyGroups: number[]; timestamps: number[] }[] = [];
  let accepting = true;
  const inputs = [0, 1].map((i) => new InputChannel(i, i, () => {}));
  for (const input of inputs) {
    input.receiver = {
      accepts: () => accepting,
      processRun: (index, records, keys, _selector, keyGroups, timestamps, count) => {
        runs.push({ channel: index, records: records.slice(0, count), keys: keys.slice(0, count), keyGroups: Array.from(keyGroups.subarray(0, count)), timestamps: Array.from(timestamps.subarray(0, count)) });
      },
    };
  }
  class LocalTransport extends RecordingTransport {
    input(channel: number): InputChannel | undefined {
      return inputs[channel];
    }
  }
  const transport = new LocalTransport(true);
  const channels = [0, 1].map((i) => new OutputChannel(i, 1000, transport));
  const key = (r: unknown): Key => (r as number) % 10;
  const writer = new RecordWriter({ channels, partition: { kind: 'hash', key }, bufferSize: 100, maxParallelism: 128, producerSubtask: 0, operatorName: 'Upstream Op' });
  const channelOf = (r: number): number => operatorIndexForKeyGroup(128, 2, keyGroupFor(key(r), 128));
  const records = Array.from({ length: 300 }, (_, i) => i);
  for (const r of records) writer.emit(r, r % 3 === 0 ? r * 10 : Number.NaN);
  assert.equal(writer.hasPending, true, 'the partial runs wait for the flush');
  writer.flush();
  assert.equal(transport.deliveries.length, 0, 'no buffer: everything went in runs');
  assert.ok(runs.every((run) => run.records.length <= 64 && run.records.length > 0));
  for (const ch of [0, 1]) {
    const mine = runs.filter((run) => run.channel === ch);
    const expected = records.filter((r) => channelOf(r) === ch);
    assert.deepEqual(mine.flatMap((run) => run.records), expected);
    assert.deepEqual(mine.flatMap((run) => run.keys), expected.map(key));
    assert.deepEqual(mine.flatMap((run) => run.keyGroups), expected.map((r) => keyGroupFor(key(r), 128)));
    assert.deepEqual(mine.flatMap((run) => run.timestamps), expected.map((r) => (r % 3 === 0 ? r * 10 : Number.NaN)));
  }

  // The consumer cannot take records now: the run becomes the channel's buffer (timestamps and key groups kept), order kept.
  runs.length = 0;
  accepting = false;
  const more = Array.from({ length: 150 }, (_, i) => 1000 + i);
  for (const r of more) writer.emit(r, r);
  accepting = true;
  for (const r of [2000, 2001, 2002, 2003]) writer.emit(r, r);
  writer.broadcastEvent({ type: 'watermark', timestamp: 5 });
  for (const ch of [0, 1]) {
    const expected = [...more, 2000, 2001, 2002, 2003].filter((r) => channelOf(r) === ch);
    const buffered = transport.recordsOf(ch);
    const direct = runs.filter((run) => run.channel === ch).flatMap((run) => run.records);
    assert.deepEqual([...buffered, ...direct], expected, `channel ${ch}: buffers first (queued while the consumer was busy), then runs`);
    const buffers = transport.deliveries.filter((d) => d.channel === ch && !isEvent(d.item)).map((d) => d.item as RecordBuffer);
    assert.deepEqual(buffers.flatMap((b) => Array.from(b.timestamps!)), buffered);
    assert.deepEqual(buffers.flatMap((b) => Array.from(b.keyGroups!)), buffered.map((r) => keyGroupFor(key(r), 128)));
  }
  assert.ok(transport.recordsOf(0).length + transport.recordsOf(1).length >= 64, 'at least one full run was queued');
  assert.deepEqual(transport.trace().filter((t) => t.endsWith('watermark')), ['0:watermark', '1:watermark']);
  assert.equal(writer.hasPending, false);
});
