// The exactly-once probe: `key,payload` lines → per-key sequence numbers in keyed state → exactly-once file sink.
//
//   weir run examples/sequence.ts --input <file> --output <dir> [--parallelism N]
//        [--checkpoint-dir D --checkpoint-interval MS] [--savepoint-dir S] [--restore latest|<path>]
//
// Output lines are `key,seq,payload` with seq = 1, 2, … per key in file order (one reader keeps
// each key's lines in order). After any crash and `--restore latest`, the finished files hold
// every input line exactly once with the right seq.

import { existsSync, writeFileSync } from 'node:fs';
import {
  FileSink, StreamExecutionEnvironment, ValueStateDescriptor,
  type Collector, type KeyedProcessContext, type KeyedProcessFunction, type RuntimeContext, type ValueState,
} from 'weir';

const env = StreamExecutionEnvironment.getExecutionEnvironment();
const params = env.getParameters();
const input = params.getRequired('input');
const output = params.getRequired('output');
// For failure-injection tests: throw when this payload is seen, once (the marker file remembers it across restarts).
const failOn = params.get('fail-on');
const failMarker = params.get('fail-marker');
// 'throw' (a user exception, once), 'exit' (the worker thread dies, once) or 'always' (throws on every attempt).
const failMode = params.get('fail-mode', 'throw');
const throttle = params.getNumber('throttle-us', 0);
// Rolls part files at this size, so that checkpoints carry committables (default: the sink's 128 MiB).
const maxPartBytes = params.has('max-part-bytes') ? params.getNumber('max-part-bytes') : undefined;

/** Numbers each key's lines 1, 2, 3, … in keyed state. */
class Sequencer implements KeyedProcessFunction<string, [string, string], string> {
  #seq!: ValueState<number>;

  open(ctx: RuntimeContext): void {
    this.#seq = ctx.getState(new ValueStateDescriptor<number>('seq'));
  }

  processElement([key, payload]: [string, string], _ctx: KeyedProcessContext<string>, out: Collector<string>): void {
    if (throttle > 0) {
      const until = performance.now() + throttle / 1000;
      while (performance.now() < until) { /* slow down so that checkpoints and kills land mid-run */ }
    }
    // 'always': a record that fails on every attempt (a deterministic bug), for the restart-strategy tests.
    if (failOn !== undefined && payload === failOn && failMode === 'always') throw new Error(`injected failure at payload ${payload}, on every attempt`);
    if (failOn !== undefined && payload === failOn && failMarker !== undefined && !existsSync(failMarker)) {
      writeFileSync(failMarker, payload);
      if (failMode === 'exit') process.exit(3); // in a worker thread this ends the thread only
      throw new Error(`injected failure at payload ${payload}`);
    }
    const next = (this.#seq.value() ?? 0) + 1;
    this.#seq.update(next);
    out.collect(`${key},${next},${payload}`);
  }
}

env
  .readTextFile(input)
  .uid('read-input')
  .setParallelism(1)
  .map((line: string) => {
    const comma = line.indexOf(',');
    if (comma < 0) throw new Error(`input line without a comma: ${JSON.stringify(line)}`);
    return [line.slice(0, comma), line.slice(comma + 1)] as [string, string];
  })
  .uid('parse')
  .setParallelism(1)
  .keyBy((r) => r[0])
  .process(() => new Sequencer(), 'Sequence')
  .uid('sequence')
  .sinkTo(new FileSink<string>(output, maxPartBytes === undefined ? {} : { rollingPolicy: { maxPartSize: maxPartBytes } }), 'Exactly-once file sink')
  .uid('sink');

await env.execute('sequence');
