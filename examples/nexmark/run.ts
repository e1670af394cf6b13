// Runs one Nexmark query as a job: generator options or --input <events.jsonl>, CSV into --output (shared by every examples/nexmark/qN.ts).
//
//   weir run examples/nexmark/q5.ts [--events N] [--rate R | --event-rate R] [--seed S] [--base-time MS] [--generators G]
//        [--input events.jsonl] [--output DIR] [--parallelism P] [--runtime-mode streaming|batch]
//
// Without --input the events come from the Nexmark generator (unbounded without --events). With
// --output the rows go through the exactly-once file sink as CSV lines (RFC 4180, the SELECT
// list's order, times as epoch ms); without it they are discarded (a benchmark run). A bounded
// input writes final results: for an updating query, the last row per key.

import { FileSink, NexmarkSource, ParameterTool, StreamExecutionEnvironment, eventFromJson, nexmarkWatermarks, type DataStream, type NexmarkConfig, type NexmarkEvent } from 'weir';
import { csvLine, results, type NexmarkQuery, type Row } from './queries/query.ts';

/** Generator settings from job arguments (only those given). */
export function generatorOptions(params: ParameterTool): NexmarkConfig {
  const config: Record<string, number> = {};
  const numeric: [string, string][] = [
    ['events', 'events'], ['rate', 'rate'], ['event-rate', 'eventRate'], ['seed', 'seed'], ['base-time', 'baseTime'], ['generators', 'generators'],
  ];
  for (const [flag, key] of numeric) if (params.has(flag)) config[key] = params.getNumber(flag);
  const quirk = params.has('bidder-quirk') ? { bidderIdQuirk: params.getBoolean('bidder-quirk') } : {};
  return { ...config, ...quirk };
}

/** The events of a job: the generator, or the JSON Lines file (bounded), with timestamps and the 4 s watermark. */
export function nexmarkEvents(env: StreamExecutionEnvironment, input: string | undefined, config: NexmarkConfig): { events: DataStream<NexmarkEvent>; bounded: boolean } {
  if (input !== undefined) {
    const events = env.readTextFile(input).uid('read-events').map(eventFromJson, 'Parse events').uid('parse-events')
      .assignTimestampsAndWatermarks(nexmarkWatermarks()).uid('event-time');
    return { events, bounded: true };
  }
  const source = new NexmarkSource(config);
  return { events: env.fromSource(source, nexmarkWatermarks(), 'Nexmark').uid('nexmark'), bounded: source.bounded };
}

/** Builds and executes the job of `query` from the job arguments. */
export async function runQuery(query: NexmarkQuery): Promise<void> {
  const env = StreamExecutionEnvironment.getExecutionEnvironment();
  const params = env.getParameters();
  const input = params.get('input');
  const output = params.get('output');
  const config = input === undefined ? generatorOptions(params) : {};
  const { events, bounded } = nexmarkEvents(env, input, config);
  const rows: DataStream<Row> = results(query, events, bounded);
  if (output === undefined) rows.discard();
  else rows.sinkTo(new FileSink<Row>(output, { format: csvLine, partSuffix: '.csv' }), `Write ${query.name}`).uid('write');
  await env.execute(`nexmark-${query.name}`);
}
