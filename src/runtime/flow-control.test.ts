// Tests of flow control between threads: a source step's budget, credits returned at decode, spare buffers, links read synchronously.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MessageChannel } from 'node:worker_threads';
import { StreamExecutionEnvironment } from '../index.ts';
import { buildJobGraph } from '../graph/job-graph.ts';
import { buildStreamGraph } from '../graph/stream-graph.ts';
import type { SourceSplit } from '../connectors/source.ts';
import { GeneratorSource } from '../connectors/generator/generator-source.ts';
import { decodeBatch, encodeBatch } from '../serde/index.ts';
import { isEncoded, isEvent, type ChannelItem } from './events.ts';
import { InputChannel } from './network/input-channel.ts';
import { OutputChannel, type ChannelTransport } from './network/output-channel.ts';
import { RecordWriter } from './network/record-writer.ts';
import type { LinkMessage, SlotLink, SlotLinkMessage } from './slot.ts';
import { SOURCE_STEP_BUFFERS } from './task.ts';
import { connectLinks } from './task-manager.ts';
import { openTaskUnderTest } from './test-fixtures.ts';

/** A transport to "another thread": keeps what was sent, in order. */
function remoteTransport(): ChannelTransport & { sent: ChannelItem[] } {
  const sent: ChannelItem[] = [];
  return { local: false, sent, deliver: (_id, item) => { sent.push(item); } };
}

/** The records of the data buffers among `items`, decoded, in order. */
function recordsOf(items: readonly ChannelItem[]): unknown[] {
  return items.flatMap((item) => (isEncoded(item) ? decodeBatch(item).records : isEvent(item) ? [] : item.records));
}

test('a source step sends at most SOURCE_STEP_BUFFERS buffers of records, even with credit for many more; all records arrive in order', async () => {
  const bufferSize = 16;
  const count = 1000;
  const env = StreamExecutionEnvironment.getExecutionEnvironment({ parallelism: 1, bufferSize });
  const source = new GeneratorSource((i: number) => i, { count });
  // startNewChain: the map is another vertex, so the source task writes its one edge through a record writer.
  env.fromSource(source, 'Numbers').map((x: number) => x).startNewChain().discard();
  const graph = buildJobGraph(buildStreamGraph(env.transformations, env.sinks, env.config));
  const vertex = graph.vertices[0]!;
  const edge = vertex.outputs[0]!;
  const transport = remoteTransport();
  const channel = new OutputChannel(0, 1000, transport); // credit for every buffer of the job
  const writer = new RecordWriter({ channels: [channel], partition: edge.partition, bufferSize, maxParallelism: 128, producerSubtask: 0, operatorName: 'Numbers' });
  const { task, run } = await openTaskUnderTest(vertex, env.config, [], undefined, new Map([[edge.index, writer]]));
  task.assignSplits(source.enumerateSplits({ parallelism: 1 }) as SourceSplit[], true);

  assert.equal(task.step(), true);
  assert.equal(writer.recordsOut, SOURCE_STEP_BUFFERS * bufferSize, 'one step: the budget, not the credit');
  assert.equal(task.step(), true);
  assert.equal(writer.recordsOut, 2 * SOURCE_STEP_BUFFERS * bufferSize);
  run();
  assert.deepEqual(recordsOf(transport.sent), Array.from({ length: count }, (_, i) => i));
  assert.equal(transport.sent.filter((item) => isEvent(item) && item.type === 'end-of-data').length, 1);
});

/** Subtask 0 of the map vertex of elements → map(observe) → discard, reading one channel whose credits are logged. */
async function consumerTask(observe: () => void) {
  const env = StreamExecutionEnvironment.getExecutionEnvironment({ parallelism: 1 });
  env.fromElements(0).map((x: number) => { observe(); return x; }).startNewChain().discard();
  const graph = buildJobGraph(buildStreamGraph(env.transformations, env.sinks, env.config));
  const vertex = graph.vertices.find((v) => !v.isSource)!;
  const credits: (ArrayBufferLike | null)[] = [];
  const channel = new InputChannel(0, 0, (_id, buffer) => { credits.push(buffer); });
  const harness = await openTaskUnderTest(vertex, env.config, [channel]);
  return { ...harness, channel, credits };
}

test('a buffer from another thread gives its credit (and the buffer) back once decoded, before its records run through the chain', async () => {
  const creditsSeen: number[] = [];
  let credits: (ArrayBufferLike | null)[] = [];
  const h = await consumerTask(() => creditsSeen.push(credits.length));
  credits = h.credits;
  const encoded = encodeBatch([1, 2, 3], 3, null);
  h.channel.push(encoded);
  h.run();
  assert.deepEqual(creditsSeen, [1, 1, 1], 'the credit went back before the first record was processed');
  assert.equal(credits[0], encoded, 'the producer gets its buffer back to encode into');
  // A same-thread buffer (no encoding) is released after its records were processed, as before.
  h.channel.push({ records: [4, 5], keyGroups: null });
  h.run();
  assert.deepEqual(creditsSeen, [1, 1, 1, 1, 1]);
  assert.deepEqual(credits.slice(1), [null]);
});

test('an output channel keeps one spare buffer per credit, so buffers in flight are all encoded into again', () => {
  const capacity = 8;
  const transport = remoteTransport();
  const channel = new OutputChannel(0, capacity, transport);
  for (let i = 0; i < capacity; i++) channel.sendBuffer(encodeBatch([i], 1, null));
  assert.equal(channel.credits, 0);
  const sent = transport.sent as ArrayBuffer[];
  for (const buffer of sent) channel.addCredit(buffer);
  assert.equal(channel.credits, capacity);
  const spares = new Set<ArrayBufferLike>();
  for (let b = channel.takeSpare(); b !== undefined; b = channel.takeSpare()) spares.add(b);
  assert.equal(spares.size, capacity);
  for (const buffer of sent) assert.equal(spares.has(buffer), true);
});

test('a link reads its messages synchronously (receive), in order, and those do not reach the listener too', async () => {
  const { port1, port2 } = new MessageChannel();
  try {
    const heard: SlotLinkMessage[] = [];
    let onHeard = (): void => {};
    const links = new Map<number, SlotLink>();
    connectLinks({ onLinkMessage: (m) => { heard.push(m); onHeard(); } }, { 1: port2 }, links);
    const link = links.get(1)!;
    port1.postMessage({ k: 3, b: null } satisfies LinkMessage);
    port1.postMessage({ k: 4, b: null } satisfies LinkMessage);
    assert.deepEqual(link.receive!(), { k: 3, b: null });
    assert.deepEqual(link.receive!(), { k: 4, b: null });
    assert.equal(link.receive!(), undefined);
    // The listener gets the next message (a bounded wait: the test fails rather than hangs).
    const arrived = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the listener never got the message')), 10_000);
      onHeard = () => { clearTimeout(timer); resolve(); };
    });
    port1.postMessage({ k: 5, b: null } satisfies LinkMessage);
    await arrived;
    assert.deepEqual(heard, [{ k: 5, b: null }], 'only the message not taken by receive reached the listener');
  } finally {
    port1.close();
    port2.close();
  }
});

test('credit cells (worker threads of one process): a consumer\'s Atomics.add returns credits in order, the oldest buffer in flight is reused, a wake is asked only while buffers are in flight; message credits still count', () => {
  const sent: ChannelItem[] = [];
  const channel = new OutputChannel(0, 2, { local: false, shared: true, deliver: (_id, item) => { sent.push(item); } });
  const cells = channel.creditCells!;
  assert.ok(cells.buffer instanceof SharedArrayBuffer);
  assert.equal(channel.armWake(), false, 'nothing in flight: no wake to ask for');
  const encode = (r: number): ArrayBufferLike => encodeBatch([r], 1, null, channel.takeSpare());
  channel.sendBuffer(encode(1));
  channel.sendBuffer(encode(2));
  channel.sendBuffer(encode(3)); // no credit: waits in the backlog
  assert.equal(channel.credits, 0);
  assert.equal(sent.length, 2);
  assert.equal(channel.pollSharedCredits(), false, 'no release yet');
  // The consumer released the first buffer (what the slot's credit return does with cells).
  Atomics.add(cells, 0, 1);
  assert.equal(channel.pollSharedCredits(), true);
  assert.equal(sent.length, 3, 'the backlog drained on the credit');
  assert.equal(channel.pollSharedCredits(), false, 'a release is counted once');
  // Two releases at once: buffers 2 and 3 are freed too; spares are kept up to one per credit (buffers 1 and 2, oldest first).
  Atomics.add(cells, 0, 2);
  assert.equal(channel.pollSharedCredits(), true);
  assert.equal(channel.credits, 2);
  assert.equal(channel.takeSpare(), sent[1]);
  assert.equal(channel.takeSpare(), sent[0]);
  // A wake is asked for only with buffers in flight; the request is the second cell.
  channel.sendBuffer(encodeBatch([4], 1, null, new SharedArrayBuffer(4096)));
  assert.equal(channel.armWake(), true);
  assert.equal(Atomics.load(cells, 1), 1);
  // A consumer without the cells (a link forwarded over TCP) posts its credit as a message: it frees the oldest in flight too.
  channel.addCredit(null);
  assert.equal(channel.credits, 2);
  assert.equal(channel.takeSpare(), sent[3]);
});
