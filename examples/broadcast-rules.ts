// The broadcast state pattern: threshold rules from one stream, broadcast to every subtask, select the events of another.
//
//   weir run examples/broadcast-rules.ts --rules <file|dir> --input <file|dir> --output <dir> [--out-of-orderness 1000]
//        [--parallelism N] [--checkpoint-dir D --checkpoint-interval MS] [--restore latest|<path>] [--auto-watermark-interval MS]
//
// Rules are lines `timestampMs,rule,<name>,<minAmount>`: from its timestamp on, rule <name> selects
// every event with amount >= minAmount; a later line of the same name changes the threshold.
// Events are lines `timestampMs,account,amount`. Both streams get timestamps with
// forBoundedOutOfOrderness(--out-of-orderness). The rules are broadcast state (one copy per
// subtask, part of each checkpoint): name → the rule's versions. Events, keyed by account, wait in
// keyed state for an event-time timer at their timestamp, so that every rule up to that time has
// arrived whatever the two streams' relative speed; then each rule in force at the event's time
// that selects it writes `name,timestampMs,account,amount` through the exactly-once file sink
// into --output.

import {
  FileSink, MapStateDescriptor, StreamExecutionEnvironment, WatermarkStrategy,
  type BroadcastState, type Collector, type KeyedBroadcastContext, type KeyedBroadcastOnTimerContext,
  type KeyedBroadcastProcessFunction, type KeyedReadOnlyBroadcastContext, type MapState, type ReadOnlyBroadcastState, type RuntimeContext,
} from 'weir';

type Rule = [timestamp: number, name: string, minCents: number];
type Event = [timestamp: number, account: string, cents: number, amount: string];
/** A rule's thresholds over time: [since, minCents], oldest first. */
type Versions = [since: number, minCents: number][];

const env = StreamExecutionEnvironment.getExecutionEnvironment();
const params = env.getParameters();
const rulesPath = params.getRequired('rules');
const input = params.getRequired('input');
const output = params.getRequired('output');
const outOfOrderness = params.getNumber('out-of-orderness', 1_000);
env.setAutoWatermarkInterval(params.getNumber('auto-watermark-interval', 200));

const rulesDesc = new MapStateDescriptor<string, Versions>('rules');
const waitingDesc = new MapStateDescriptor<number, Event[]>('waiting');

const toCents = (amount: string): number => Math.round(Number(amount) * 100);

class SelectByRules implements KeyedBroadcastProcessFunction<string, Event, Rule, string> {
  waiting!: MapState<number, Event[]>;

  open(ctx: RuntimeContext): void {
    this.waiting = ctx.getMapState(waitingDesc);
  }

  processElement(event: Event, ctx: KeyedReadOnlyBroadcastContext<string>, _out: Collector<string>): void {
    this.waiting.put(event[0], [...(this.waiting.get(event[0]) ?? []), event]);
    ctx.timerService().registerEventTimeTimer(event[0]);
  }

  processBroadcastElement(rule: Rule, ctx: KeyedBroadcastContext<string>, _out: Collector<string>): void {
    const [since, name, minCents] = rule;
    const rules: BroadcastState<string, Versions> = ctx.getBroadcastState(rulesDesc);
    const versions = [...(rules.get(name) ?? []), [since, minCents] as [number, number]].sort((a, b) => a[0] - b[0]);
    // A version whose successor is in force at the watermark is needed by no waiting event any more.
    const watermark = ctx.currentWatermark();
    while (versions.length > 1 && versions[1]![0] <= watermark) versions.shift();
    rules.put(name, versions);
  }

  onTimer(timestamp: number, ctx: KeyedBroadcastOnTimerContext<string>, out: Collector<string>): void {
    const rules: ReadOnlyBroadcastState<string, Versions> = ctx.getBroadcastState(rulesDesc);
    const names = [...rules.keys()].sort();
    for (const [t, account, cents, amount] of this.waiting.get(timestamp) ?? []) {
      for (const name of names) {
        let minCents: number | undefined;
        for (const [since, min] of rules.get(name)!) if (since <= t) minCents = min;
        if (minCents !== undefined && cents >= minCents) out.collect(`${name},${t},${account},${amount}`);
      }
    }
    this.waiting.remove(timestamp);
  }
}

function fields(line: string, count: number, what: string): string[] {
  const f = line.split(',');
  if (f.length !== count || !Number.isFinite(Number(f[0])) || !Number.isFinite(toCents(f[count - 1]!)) || f[count - 1] === '') {
    throw new Error(`bad input line ${JSON.stringify(line)}: expected ${what}`);
  }
  return f;
}

const rules = env.readTextFile(rulesPath).name('Read rules').uid('read-rules')
  .map((line: string): Rule => {
    const f = fields(line, 4, 'timestampMs,rule,name,minAmount');
    if (f[1] !== 'rule') throw new Error(`bad rule line ${JSON.stringify(line)}: expected timestampMs,rule,name,minAmount`);
    return [Number(f[0]), f[2]!, toCents(f[3]!)];
  }).name('Parse rules').uid('parse-rules')
  .assignTimestampsAndWatermarks(WatermarkStrategy.forBoundedOutOfOrderness<Rule>(outOfOrderness).withTimestampAssigner((r) => r[0]))
  .uid('rule-timestamps');

env.readTextFile(input).name('Read events').uid('read-events')
  .map((line: string): Event => {
    const f = fields(line, 3, 'timestampMs,account,amount');
    return [Number(f[0]), f[1]!, toCents(f[2]!), f[2]!];
  }).name('Parse events').uid('parse-events')
  .assignTimestampsAndWatermarks(WatermarkStrategy.forBoundedOutOfOrderness<Event>(outOfOrderness).withTimestampAssigner((e) => e[0]))
  .uid('event-timestamps')
  .keyBy((e) => e[1])
  .connect(rules.broadcast(rulesDesc))
  .process(() => new SelectByRules())
  .name('Select by rules')
  .uid('select')
  .sinkTo(new FileSink<string>(output), 'Write selected')
  .uid('write-selected');

await env.execute('broadcast-rules');
