// Tests of dynamic split assignment: the SourceCoordinator (JobManager side) driving real source Tasks through protocol messages.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  StreamExecutionEnvironment,
  type Collector, type PollStatus, type ProcessContext, type ProcessFunction, type RuntimeContext, type Source, type SourceReader, type SourceSplit,
} from '../index.ts';
import { buildJobGraph } from '../graph/job-graph.ts';
import { buildStreamGraph } from '../graph/stream-graph.ts';
import type { ManagerToSlot, OperatorRestore, SlotToManager } from '../runtime/protocol.ts';
import { Task } from '../runtime/task.ts';
import { redistributeOperatorState, type OperatorStateSnapshot } from '../state/index.ts';
import { SourceCoordinator } from './source-coordinator.ts';

// ---- a source of integer ranges: split i covers [i·size, (i+1)·size) ----
interface RangeSplit extends SourceSplit {
  readonly next: number;
  readonly end: number;
}

class RangeReader implements SourceReader<number, RangeSplit> {
  #current: { splitId: string; next: number; end: number } | null = null;
  readonly #queue: RangeSplit[] = [];
  addSplits(splits: readonly RangeSplit[]): void { this.#queue.push(...splits); }
  pendingSplits(): number { return this.#queue.length; }
  pollNext(output: Collector<number>, max: number): PollStatus {
    let emitted = 0;
    for (;;) {
      if (this.#current === null) {
        const next = this.#queue.shift();
        if (next === undefined) return 'end';
        this.#current = { ...next };
      }
      const split = this.#current;
      while (split.next < split.end) {
        if (emitted >= max) return 'more';
        output.collect(split.next++);
        emitted++;
      }
      this.#current = null;
    }
  }
  available(): Promise<void> { return Promise.resolve(); }
  snapshotState(): RangeSplit[] {
    const out: RangeSplit[] = [];
    if (this.#current && this.#current.next < this.#current.end) out.push({ ...this.#current });
    return [...out, ...this.#queue.map((s) => ({ ...s }))];
  }
  close(): void {}
}

class RangeSource implements Source<number, RangeSplit> {
  readonly bounded = true;
  constructor(readonly count: number, readonly size: number) {}
  enumerateSplits(): RangeSplit[] {
    return Array.from({ length: this.count }, (_, i) => ({ splitId: `r${i}`, next: i * this.size, end: (i + 1) * this.size }));
  }
  createReader(): SourceReader<number, RangeSplit> { return new RangeReader(); }
}

/** Logs [subtask, record] for every record the source emits. */
class Log implements ProcessFunction<number, number> {
  #subtask = -1;
  constructor(readonly log: [number, number][]) {}
  open(ctx: RuntimeContext): void { this.#subtask = ctx.subtaskIndex; }
  processElement(v: number, _ctx: ProcessContext, _out: Collector<number>): void { this.log.push([this.#subtask, v]); }
}

const SPLITS = 12;
const SIZE = 40;
const ALL = Array.from({ length: SPLITS * SIZE }, (_, i) => i);

/** A seeded PRNG (mulberry32), so a failing interleaving can be replayed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Ack = Extract<SlotToManager, { type: 'ack' }>;

interface Cut {
  readonly id: number;
  /** The enumerator's state, taken in the turn that sent the trigger. */
  readonly enumerator: RangeSplit[];
  /** Per subtask: how many log entries preceded its barrier. */
  readonly marks: Map<number, number>;
  readonly acks: Map<number, Ack>;
}

/**
 * The source vertex (RangeSource → process(Log), chained) at `parallelism`, with a JobManager
 * played by hand: reports of the tasks queue up to the coordinator, its answers and triggers
 * queue up per task, FIFO as any transport, and `pick` decides what happens next.
 */
async function cluster(parallelism: number, splits: RangeSplit[], restore?: (subtask: number) => OperatorStateSnapshot | undefined) {
  const env = StreamExecutionEnvironment.getExecutionEnvironment({ parallelism, bufferSize: 3 });
  const log: [number, number][] = [];
  env.fromSource(new RangeSource(SPLITS, SIZE)).uid('src').process(() => new Log(log)).uid('log').discard();
  const graph = buildJobGraph(buildStreamGraph(env.transformations, env.sinks, env.config));
  const vertex = graph.vertices[0]!;
  assert.equal(vertex.operators.length, 3, 'source, process and discard are one chain');
  const coordinator = new SourceCoordinator({ uid: 'src', vertex: vertex.index, parallelism, source: new RangeSource(SPLITS, SIZE), splits });
  const up: SlotToManager[] = [];
  const down: ManagerToSlot[][] = Array.from({ length: parallelism }, () => []);
  const errors: unknown[] = [];
  const tasks: Task[] = [];
  for (let subtask = 0; subtask < parallelism; subtask++) {
    const state = restore?.(subtask);
    const taskRestore: Record<string, OperatorRestore> | undefined = restore ? { src: { keyed: [], timers: [], operator: state } } : undefined;
    tasks.push(new Task({
      vertex, config: env.config, inputs: [], writers: new Map(),
      deployment: { vertex: vertex.index, subtask, restore: taskRestore },
      services: {
        wake: () => {}, report: (m) => { up.push(m); }, writeText: () => {},
        scheduleProcessingTime: () => {}, fail: (_t, e) => { errors.push(e); }, jobArgs: [],
      },
    }));
  }
  for (const t of tasks) await t.open();
  const cuts: Cut[] = [];
  let nextId = 1;
  const ended = new Set<number>();
  const settle = (): Promise<void> => new Promise((r) => setImmediate(r));

  /** The JobManager takes the oldest report. */
  const jobManagerStep = (): boolean => {
    const m = up.shift();
    if (!m) return false;
    if (m.type === 'split-request') {
      const answer = coordinator.handleSplitRequest(m.task.subtask);
      down[m.task.subtask]!.push(answer);
    } else if (m.type === 'ack') {
      cuts.find((c) => c.id === m.checkpointId)!.acks.set(m.task.subtask, m);
    } else if (m.type === 'end-of-data') {
      ended.add(m.task.subtask);
    }
    return true;
  };
  /** The CheckpointCoordinator's trigger: enumerator snapshot and trigger message in one turn. */
  const trigger = (): void => {
    const id = nextId++;
    cuts.push({ id, enumerator: SourceCoordinator.decodeState(coordinator.snapshotState()) as RangeSplit[], marks: new Map(), acks: new Map() });
    for (const d of down) d.push({ type: 'trigger-checkpoint', checkpointId: id, timestamp: 0, kind: 'checkpoint', tasks: [] });
  };
  /** A slot takes the oldest command for task `s`, as slot.ts does: both kinds become mailbox actions. */
  const deliver = (s: number): boolean => {
    const m = down[s]!.shift();
    if (!m) return false;
    const task = tasks[s]!;
    if (m.type === 'assign-splits') task.assignSplits(m.splits, m.noMoreSplits);
    if (m.type === 'trigger-checkpoint') {
      const cut = cuts.find((c) => c.id === m.checkpointId)!;
      task.enqueue(() => cut.marks.set(s, log.length));
      task.triggerCheckpoint({ type: 'barrier', checkpointId: m.checkpointId, timestamp: 0, kind: 'checkpoint' });
    }
    return true;
  };
  const stepTask = (s: number): boolean => {
    const did = tasks[s]!.step();
    if (errors.length > 0) throw errors[0];
    return did;
  };
  const done = (): boolean => ended.size === parallelism && up.length === 0 && down.every((d) => d.length === 0);
  return { coordinator, tasks, log, cuts, up, down, jobManagerStep, trigger, deliver, stepTask, settle, done, ended };
}

type Cluster = Awaited<ReturnType<typeof cluster>>;

/** Runs until every task ended: `weights` per subtask make some readers faster; checkpoints at random moments. */
async function runRandomly(c: Cluster, rnd: () => number, options: { weights?: number[]; checkpoints?: number } = {}): Promise<void> {
  const p = c.tasks.length;
  const weights = options.weights ?? Array.from({ length: p }, () => 1);
  let checkpoints = options.checkpoints ?? 0;
  for (let i = 0; i < 100_000 && !c.done(); i++) {
    const r = rnd();
    if (checkpoints > 0 && r < 0.04) { c.trigger(); checkpoints--; }
    else if (r < 0.3) c.jobManagerStep();
    else if (r < 0.55) c.deliver(Math.floor(rnd() * p));
    else {
      // A task steps with probability proportional to its weight.
      let x = rnd() * weights.reduce((a, b) => a + b, 0);
      let s = 0;
      while (x >= weights[s]! && s < p - 1) x -= weights[s++]!;
      c.stepTask(s);
    }
    if (i % 16 === 0) await c.settle();
  }
  assert.ok(c.done(), 'the run ended');
  // Triggers delivered last still sit in mailboxes; acks are serialized asynchronously.
  for (let i = 0; i < 200 && c.cuts.some((cut) => cut.acks.size < p); i++) {
    for (let t = 0; t < p; t++) c.stepTask(t);
    await c.settle();
    while (c.jobManagerStep()) { /* drain */ }
  }
  assert.ok(c.cuts.every((cut) => cut.acks.size === p), 'every checkpoint was acked by every reader');
}

/** Splits a reader state holds, from its ack. */
function readerSplits(ack: Ack): RangeSplit[] {
  const op = ack.operators.find((o) => o.uid === 'src')!;
  return (op.operator?.['splits']?.items ?? []) as RangeSplit[];
}

const recordsOf = (splits: readonly RangeSplit[]): number[] => splits.flatMap((s) => Array.from({ length: s.end - s.next }, (_, i) => s.next + i));
const sorted = (xs: number[]): number[] => [...xs].sort((a, b) => a - b);

test('a reader asks for its next split as soon as it starts its last one (request ahead), before it runs dry', async () => {
  const c = await cluster(1, new RangeSource(SPLITS, SIZE).enumerateSplits());
  // open() asks for the first split.
  assert.deepEqual(c.up.map((m) => m.type), ['split-request']);
  c.jobManagerStep();
  c.deliver(0);
  // One step: the mailbox hands the split over, the first poll starts it (3 of its 10 records), the reader asks again.
  c.stepTask(0);
  assert.equal(c.up.filter((m) => m.type === 'split-request').length, 1, 'the second request left while the first split was being read');
  assert.ok(c.log.length > 0 && c.log.length < SIZE, `the first split is not read to its end yet (${c.log.length} records)`);
  c.jobManagerStep();
  c.deliver(0);
  // From now on the reader never waits for an answer: count the steps that found it dry.
  let dry = 0;
  for (let i = 0; i < 10_000 && !c.done(); i++) {
    const before = c.log.length;
    c.stepTask(0);
    if (c.log.length === before && c.down[0]!.length === 0 && c.up.length === 0 && c.ended.size === 0) dry++;
    while (c.jobManagerStep()) { /* answer at once */ }
    while (c.deliver(0)) { /* deliver at once */ }
    await c.settle();
  }
  assert.ok(c.done());
  assert.deepEqual(sorted(c.log.map(([, v]) => v)), ALL);
  assert.equal(dry, 0, 'the reader never idled waiting for a split');
  assert.deepEqual(c.coordinator.assigned, [SPLITS]);
});

test('a fast reader takes more splits; every record is read once', async () => {
  for (const [fastSteps, slowSteps] of [[4, 1], [3, 1], [2, 1]] as const) {
    const c = await cluster(2, new RangeSource(SPLITS, SIZE).enumerateSplits());
    // Reader 0 gets `fastSteps` scheduling steps for each of reader 1's; requests are answered before the next step
    // (a round trip much shorter than reading a split, as on a real machine).
    for (let round = 0; round < 10_000 && !c.done(); round++) {
      for (const [s, steps] of [[0, fastSteps], [1, slowSteps]] as const) {
        for (let k = 0; k < steps; k++) {
          c.stepTask(s);
          while (c.jobManagerStep()) { /* answer */ }
          while (c.deliver(0) || c.deliver(1)) { /* deliver */ }
          await c.settle();
        }
      }
    }
    assert.ok(c.done());
    assert.deepEqual(sorted(c.log.map(([, v]) => v)), ALL);
    const [fast, slow] = c.coordinator.assigned as [number, number];
    assert.equal(fast + slow, SPLITS);
    const readBy = [0, 1].map((s) => c.log.filter(([t]) => t === s).length) as [number, number];
    // Up to one queued split per reader is the slack: the shares follow the speeds within it.
    const share = fastSteps / (fastSteps + slowSteps);
    assert.ok(Math.abs(fast / SPLITS - share) <= 1.5 / SPLITS, `${fastSteps}:${slowSteps}: the faster reader took ${fast} splits, the other ${slow}`);
    assert.ok(readBy[0] > readBy[1], `${fastSteps}:${slowSteps}: records read ${readBy.join(' vs ')}`);
  }
});

test('assignments interleaved with barriers: at every checkpoint each split is in the enumerator, in one reader, or read before the barrier — exactly once', async () => {
  let interleaved = 0;
  for (let seed = 1; seed <= 40; seed++) {
    const c = await cluster(2, new RangeSource(SPLITS, SIZE).enumerateSplits());
    await runRandomly(c, random(seed), { checkpoints: 6 });
    for (const cut of c.cuts) {
      const before = [0, 1].flatMap((s) => c.log.filter(([t], i) => t === s && i < cut.marks.get(s)!).map(([, v]) => v));
      const readers = [0, 1].flatMap((s) => readerSplits(cut.acks.get(s)!));
      const left = [...recordsOf(cut.enumerator), ...recordsOf(readers)];
      assert.deepEqual(sorted([...before, ...left]), ALL, `seed ${seed}, checkpoint ${cut.id}: read before the barriers + left in state ≠ the input`);
      const ids = [...cut.enumerator, ...readers].map((s) => s.splitId);
      assert.equal(new Set(ids).size, ids.length, `seed ${seed}, checkpoint ${cut.id}: a split is in two places: ${ids.join(',')}`);
      // Count the cuts where an assignment crossed a barrier: assigned after the trigger, delivered after the barrier.
      if (cut.enumerator.length > 0 && cut.enumerator.length < SPLITS) interleaved++;
    }
  }
  assert.ok(interleaved > 20, `only ${interleaved} checkpoints fell between the first and the last assignment`);
});

test('restore of enumerator and reader state at other parallelisms reads the rest of the input exactly once', async () => {
  let restored = 0;
  for (let seed = 1; seed <= 12; seed++) {
    const rnd = random(seed * 7919);
    const first = await cluster(2, new RangeSource(SPLITS, SIZE).enumerateSplits());
    await runRandomly(first, rnd, { checkpoints: 4 });
    for (const cut of first.cuts) {
      const newParallelism = 1 + ((seed + cut.id) % 3); // 1, 2 or 3
      const before = [0, 1].flatMap((s) => first.log.filter(([t], i) => t === s && i < cut.marks.get(s)!).map(([, v]) => v));
      const old = [0, 1].map((s) => cut.acks.get(s)!.operators.find((o) => o.uid === 'src')!.operator!);
      const states = redistributeOperatorState(old, newParallelism);
      const second = await cluster(newParallelism, cut.enumerator, (s) => states[s]);
      await runRandomly(second, rnd, { weights: Array.from({ length: newParallelism }, (_, i) => i + 1), checkpoints: 2 });
      assert.deepEqual(sorted([...before, ...second.log.map(([, v]) => v)]), ALL, `seed ${seed}: restore of checkpoint ${cut.id} at p=${newParallelism}`);
      restored++;
    }
  }
  assert.ok(restored >= 24);
});

test('the enumerator answers noMoreSplits once it is empty, and only that from then on', () => {
  const source = new RangeSource(2, SIZE);
  const c = new SourceCoordinator({ uid: 'src', vertex: 0, parallelism: 2, source, splits: source.enumerateSplits() });
  assert.deepEqual(c.handleSplitRequest(1).splits.map((s) => s.splitId), ['r0']);
  assert.deepEqual(SourceCoordinator.decodeState(c.snapshotState()).map((s) => s.splitId), ['r1']);
  assert.deepEqual(c.handleSplitRequest(1).splits.map((s) => s.splitId), ['r1']);
  const last = c.handleSplitRequest(0);
  assert.deepEqual([last.splits.length, last.noMoreSplits], [0, true]);
  assert.deepEqual(SourceCoordinator.decodeState(c.snapshotState()), []);
  assert.deepEqual(c.assigned, [0, 2]);
});
