// Runs one hand-written Nexmark reference over the generator's events in one thread (no Weir), for bench/nexmark.mjs.
//
//   node --import tsx bench/nexmark-ref/run.ts --query q5 --events N [--generators G]
//
// The events are those a Weir job with G source subtasks reads (`createGenerators(config, G)`: G splits over
// disjoint id ranges, each on its own event-time timeline), generated here in the timed loop as Weir's source
// generates them in the job: split by split for G > 1. Prints one JSON line: events, rows, checksum, seconds.

import { createGenerators } from '../../src/connectors/nexmark/index.ts';
import { RowSink, type ReferenceFactory } from './reference.ts';
import { q0, q1, q2, q14, q21, q22 } from './stateless.ts';
import { q5, q7, q8, q11, q12 } from './windows.ts';
import { q3, q4, q9, q20 } from './joins.ts';
import { q15, q16, q17, q18, q19 } from './aggregates.ts';

export const REFERENCES: Record<string, ReferenceFactory> = {
  q0, q1, q2, q3, q4, q5, q7, q8, q9, q11, q12, q14, q15, q16, q17, q18, q19, q20, q21, q22,
};

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? undefined : process.argv[i + 1];
}

const query = arg('query') ?? '';
const events = Number(arg('events'));
const generators = Number(arg('generators') ?? 1);
const factory = REFERENCES[query];
if (factory === undefined || !Number.isSafeInteger(events) || events < 1 || !Number.isSafeInteger(generators) || generators < 1) {
  process.stderr.write(`usage: node --import tsx bench/nexmark-ref/run.ts --query <${Object.keys(REFERENCES).join('|')}> --events N [--generators G]\n`);
  process.exit(1);
}
const out = new RowSink();
const started = performance.now();
const cpu = process.cpuUsage();
const reference = factory(out);
for (const g of createGenerators({ events }, generators)) {
  const n = g.range.maxEvents;
  for (let k = 0; k < n; k++) reference.event(g.event(k));
}
reference.finish();
const seconds = (performance.now() - started) / 1000;
const used = process.cpuUsage(cpu);
process.stdout.write(`${JSON.stringify({ query, events, rows: out.rows, checksum: out.checksum, seconds, cpuSeconds: (used.user + used.system) / 1e6 })}\n`);
