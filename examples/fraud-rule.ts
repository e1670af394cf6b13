// A fraud rule in a KeyedProcessFunction: a tiny transaction followed soon by a large one on the same account raises an alert.
//
//   weir run examples/fraud-rule.ts --input <file|dir> --output <dir> [--window 60000] [--out-of-orderness 1000]
//        [--parallelism N] [--checkpoint-dir D --checkpoint-interval MS] [--restore latest|<path>] [--auto-watermark-interval MS]
//
// Input lines are `timestampMs,account,amount` (amount in units with up to two decimals), in time
// order per account; timestamps come with forBoundedOutOfOrderness(--out-of-orderness). Per
// account, a transaction below 1.00 arms the account (keyed ValueState: the latest such
// transaction) and sets an event-time timer --window ms later that disarms it. A transaction above
// 500.00 at most --window ms after the arming one writes the alert
// `account,smallTs,smallAmount,largeTs,largeAmount` into --output (exactly-once file sink) and
// disarms the account; amounts between the two limits change nothing.

import {
  FileSink, StreamExecutionEnvironment, ValueStateDescriptor, WatermarkStrategy,
  type Collector, type KeyedProcessContext, type KeyedProcessFunction, type OnTimerContext, type RuntimeContext, type ValueState,
} from 'weir';

type Transaction = [timestamp: number, account: string, cents: number, amount: string];

const SMALL_BELOW_CENTS = 100;
const LARGE_ABOVE_CENTS = 50_000;

const env = StreamExecutionEnvironment.getExecutionEnvironment();
const params = env.getParameters();
const input = params.getRequired('input');
const output = params.getRequired('output');
const windowMs = params.getNumber('window', 60_000);
const outOfOrderness = params.getNumber('out-of-orderness', 1_000);
env.setAutoWatermarkInterval(params.getNumber('auto-watermark-interval', 200));

const armedDesc = new ValueStateDescriptor<[timestamp: number, amount: string]>('armed');

class SmallThenLarge implements KeyedProcessFunction<string, Transaction, string> {
  armed!: ValueState<[number, string]>;

  open(ctx: RuntimeContext): void {
    this.armed = ctx.getState(armedDesc);
  }

  processElement(tx: Transaction, ctx: KeyedProcessContext<string>, out: Collector<string>): void {
    const [t, account, cents, amount] = tx;
    const armed = this.armed.value();
    if (cents < SMALL_BELOW_CENTS) {
      // The newest small transaction arms the account; its predecessor's timer goes.
      if (armed !== undefined) ctx.timerService().deleteEventTimeTimer(armed[0] + windowMs);
      this.armed.update([t, amount]);
      ctx.timerService().registerEventTimeTimer(t + windowMs);
    } else if (cents > LARGE_ABOVE_CENTS && armed !== undefined && t - armed[0] <= windowMs) {
      out.collect(`${account},${armed[0]},${armed[1]},${t},${amount}`);
      ctx.timerService().deleteEventTimeTimer(armed[0] + windowMs);
      this.armed.clear();
    }
  }

  onTimer(timestamp: number, _ctx: OnTimerContext<string>, _out: Collector<string>): void {
    const armed = this.armed.value();
    if (armed !== undefined && armed[0] + windowMs === timestamp) this.armed.clear();
  }
}

env
  .readTextFile(input)
  .name('Read transactions')
  .uid('read-transactions')
  .map((line: string): Transaction => {
    const a = line.indexOf(',');
    const b = line.indexOf(',', a + 1);
    const timestamp = Number(line.slice(0, a));
    const amount = line.slice(b + 1);
    const cents = Math.round(Number(amount) * 100);
    if (a < 0 || b < 0 || !Number.isFinite(timestamp) || amount === '' || !Number.isFinite(cents)) {
      throw new Error(`bad input line ${JSON.stringify(line)}: expected timestampMs,account,amount`);
    }
    return [timestamp, line.slice(a + 1, b), cents, amount];
  })
  .name('Parse')
  .uid('parse')
  .assignTimestampsAndWatermarks(WatermarkStrategy.forBoundedOutOfOrderness<Transaction>(outOfOrderness).withTimestampAssigner((tx) => tx[0]))
  .uid('timestamps')
  .keyBy((tx) => tx[1])
  .process(() => new SmallThenLarge(), 'Small then large')
  .uid('fraud-rule')
  .sinkTo(new FileSink<string>(output), 'Write alerts')
  .uid('write-alerts');

await env.execute('fraud-rule');
