// A job whose keyed subtasks end at different times: one subtask finishes its input while another stalls on a record, then throws.
//
//   weir run test/integration/jobs/file-sink-fail-job.ts --input <file> --output <dir> --fail-on <line> [--stall-ms N]

import { FileSink, StreamExecutionEnvironment, type Collector, type KeyedProcessContext, type KeyedProcessFunction } from 'weir';

const env = StreamExecutionEnvironment.getExecutionEnvironment();
const params = env.getParameters();
const input = params.getRequired('input');
const output = params.getRequired('output');
const failOn = params.getRequired('fail-on');
const stallMs = params.getNumber('stall-ms', 1500);

class StallThenThrow implements KeyedProcessFunction<string, string, string> {
  processElement(line: string, _ctx: KeyedProcessContext<string>, out: Collector<string>): void {
    if (line === failOn) {
      // Long enough for the other subtask to reach its end of input (where a sink used to commit).
      const until = Date.now() + stallMs;
      while (Date.now() < until) { /* stall */ }
      throw new Error(`injected failure at ${line}`);
    }
    out.collect(line);
  }
}

env
  .readTextFile(input)
  .setParallelism(1)
  .keyBy((line: string) => line)
  .process(() => new StallThenThrow(), 'Stall then throw')
  .setParallelism(2)
  .sinkTo(new FileSink<string>(output), 'File sink');

await env.execute('file-sink-fail');
