// Enriches generated ids through async I/O against an HTTP service the test runs; written exactly once to --output.
//
//   weir run test/integration/jobs/async-enrich-job.ts --service-url http://127.0.0.1:PORT --output <dir>
//        --count N [--rate R] [--capacity C] [--ordered] [--retry-attempts A]
//
// Record i becomes the line `i,<body of GET /enrich?id=i>`. A 503 answer is retried (fixed
// delay) up to --retry-attempts invocations in all. Requests in flight at a checkpoint are part
// of it, so a kill -9 and --restore latest must still write every id exactly once.

import { AsyncDataStream, AsyncRetryStrategies, FileSink, StreamExecutionEnvironment, type AsyncFunction } from 'weir';

const env = StreamExecutionEnvironment.getExecutionEnvironment();
const params = env.getParameters();
const url = params.getRequired('service-url');
const output = params.getRequired('output');
const count = params.getNumber('count');
const rate = params.getNumber('rate', 2000);
const capacity = params.getNumber('capacity', 20);
const ordered = params.getBoolean('ordered');
const attempts = params.getNumber('retry-attempts', 5);

class Unavailable extends Error {}

const enrich: AsyncFunction<number, string> = async (id: number) => {
  const res = await fetch(`${url}/enrich?id=${id}`);
  const body = await res.text();
  if (res.status === 503) throw new Unavailable(`service unavailable for id ${id}`);
  if (!res.ok) throw new Error(`GET /enrich?id=${id}: HTTP ${res.status} ${body}`);
  return `${id},${body}`;
};

const retry = AsyncRetryStrategies.fixedDelay<string>(attempts, 20).ifException((e) => e instanceof Unavailable).build();
const ids = env.fromGenerator((i) => i, { count, ratePerSecond: rate }).uid('ids');
const enriched = ordered
  ? AsyncDataStream.orderedWaitWithRetry(ids, enrich, 10_000, capacity, retry)
  : AsyncDataStream.unorderedWaitWithRetry(ids, enrich, 10_000, capacity, retry);
enriched.uid('enrich').sinkTo(new FileSink<string>(output), 'Write').uid('write');

await env.execute('async-enrich');
