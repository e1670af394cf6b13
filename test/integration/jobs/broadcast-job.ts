// The broadcast state pattern across a savepoint: events wait on each subtask until it holds every rule; rules arrive once, at the start.
//
//   weir run test/integration/jobs/broadcast-job.ts [--count N] [--rate R] [--rules K]
//
// K rules (a bounded collection, read at once) are broadcast; events i = 0, 1, ... (keyed by
// i % 11) are printed as `i` once their subtask's broadcast state holds all K rules, else kept in
// keyed state until the last rule arrives. After a restore the rules source has nothing left to
// send, so a subtask prints its events only if the restore gave it the broadcast state: restoring
// a savepoint at another parallelism with --count N must print every event exactly once.

import {
  ListStateDescriptor, MapStateDescriptor, StreamExecutionEnvironment,
  type Collector, type KeyedBroadcastContext, type KeyedReadOnlyBroadcastContext, type ListState, type RuntimeContext,
} from 'weir';

const env = StreamExecutionEnvironment.getExecutionEnvironment();
const params = env.getParameters();
const count = params.has('count') ? params.getNumber('count') : undefined;
const rate = params.has('rate') ? params.getNumber('rate') : undefined;
const ruleCount = params.getNumber('rules', 5);

const rulesDesc = new MapStateDescriptor<string, number>('rules');
const waitingDesc = new ListStateDescriptor<number>('waiting');

class Gate {
  waiting!: ListState<number>;
  open(ctx: RuntimeContext): void { this.waiting = ctx.getListState(waitingDesc); }
  processElement(i: number, ctx: KeyedReadOnlyBroadcastContext<string>, out: Collector<string>): void {
    if (ctx.getBroadcastState(rulesDesc).size === ruleCount) out.collect(String(i));
    else this.waiting.add(i);
  }
  processBroadcastElement(rule: [string, number], ctx: KeyedBroadcastContext<string>, out: Collector<string>): void {
    const rules = ctx.getBroadcastState(rulesDesc);
    rules.put(rule[0], rule[1]);
    if (rules.size !== ruleCount) return;
    ctx.applyToKeyedState(waitingDesc, () => {
      for (const i of this.waiting.get()) out.collect(String(i));
      this.waiting.clear();
    });
  }
}

const rules = env.fromCollection(Array.from({ length: ruleCount }, (_, i): [string, number] => [`r${i}`, i])).uid('rules');
env
  .fromGenerator((i) => i, { ...(count !== undefined ? { count } : {}), ...(rate !== undefined ? { ratePerSecond: rate } : {}) })
  .uid('events')
  .keyBy((i: number) => `k${i % 11}`)
  .connect(rules.broadcast(rulesDesc))
  .process(() => new Gate())
  .uid('gate')
  .print('out')
  .uid('print');
await env.execute('broadcast');
