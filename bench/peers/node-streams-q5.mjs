// Nexmark q5 with Node streams: Readable.from(the generator's events) → a Transform counting bids per auction
// per sliding window and firing each window when the 4 s watermark passes it → a Writable taking the rows.
//
//   node --import tsx bench/peers/node-streams-q5.mjs --events N
//
// The Transform holds the same window logic as the hand-written reference (bench/nexmark-ref/windows.ts), so
// the difference to the reference is what the stream machinery costs per event.

import { Readable, Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGenerators } from '../../src/connectors/nexmark/index.ts';
import { q5 } from '../nexmark-ref/windows.ts';
import { eventsArg, printQ5Result } from './q5-common.mjs';

const events = eventsArg();
const started = performance.now();
const result = { rows: 0, checksum: 0 };

function* generate() {
  for (const g of createGenerators({ events }, 1)) for (let k = 0; k < g.range.maxEvents; k++) yield g.event(k);
}

let push;
const windows = q5({ emit: (row) => push(row) });
const hotItems = new Transform({
  objectMode: true,
  transform(event, _encoding, done) {
    push = (row) => this.push(row);
    windows.event(event);
    done();
  },
  flush(done) {
    push = (row) => this.push(row);
    windows.finish();
    done();
  },
});
const rows = new Writable({
  objectMode: true,
  write(row, _encoding, done) {
    result.rows++;
    result.checksum = (result.checksum + row[0]) | 0;
    done();
  },
});
await pipeline(Readable.from(generate()), hotItems, rows);
printQ5Result(events, result, started);
