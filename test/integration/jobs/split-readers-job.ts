// Every line of --input, tagged with the subtask of the source reader that read it: `subtask<TAB>line` files under --output.
//
//   weir run test/integration/jobs/split-readers-job.ts --input <file> --output <dir> [--parallelism N]
//
// The source reads at its automatic split size (dynamic split assignment): the test checks
// that every reader took splits and that every line came out once.

import { FileSink, StreamExecutionEnvironment, type Collector, type ProcessContext, type ProcessFunction, type RuntimeContext } from 'weir';

const env = StreamExecutionEnvironment.getExecutionEnvironment();
const params = env.getParameters();
const input = params.getRequired('input');
const output = params.getRequired('output');

class TagWithSubtask implements ProcessFunction<string, string> {
  #subtask = -1;
  open(ctx: RuntimeContext): void { this.#subtask = ctx.subtaskIndex; }
  processElement(line: string, _ctx: ProcessContext, out: Collector<string>): void { out.collect(`${this.#subtask}\t${line}`); }
}

env
  .readTextFile(input)
  .uid('lines')
  .process(() => new TagWithSubtask())
  .uid('tag')
  .sinkTo(new FileSink<string>(output), 'Write tagged lines')
  .uid('write');

await env.execute('split-readers');
