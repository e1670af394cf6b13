// Writes Nexmark events as JSON Lines (the --input format of the query jobs), without Weir: node --import tsx examples/nexmark/generate.ts --events N --output events.jsonl [--seed S] [--event-rate R] [--generators G] [--base-time MS]

import { createWriteStream } from 'node:fs';
import { ParameterTool, eventToJson, generateEvent } from 'weir';
import { generatorOptions } from './run.ts';

const params = ParameterTool.fromArgs(process.argv.slice(2));
const output = params.getRequired('output');
const config = generatorOptions(params);
if (!config.events) throw new Error('generate.ts needs --events N (a bounded number of events)');
const out = createWriteStream(output);
let chunk = '';
for (let n = 0; n < config.events; n++) {
  chunk += eventToJson(generateEvent(config, n)) + '\n';
  if (chunk.length > 1 << 16) { if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r())); chunk = ''; }
}
out.end(chunk);
await new Promise<void>((r) => out.on('finish', () => r()));
