// Word count with Node streams as a Node user would write it: a read stream → a line-splitting Transform →
// a tokenizing Transform (one object per word) → a Writable counting in a Map; pipeline() over each file.
//
//   node bench/peers/node-streams-wordcount.mjs <file|dir>
//
// Final counts, one per distinct word. Same lowercasing and regex as the loop.

import { createReadStream } from 'node:fs';
import { Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { WORD, corpusFiles, printResult } from './corpus-files.mjs';

const files = corpusFiles(process.argv[2]);
const started = performance.now();
const counts = new Map();

function lines() {
  let rest = '';
  return new Transform({
    readableObjectMode: true,
    decodeStrings: false,
    transform(chunk, _encoding, done) {
      const text = rest + chunk;
      const parts = text.split('\n');
      rest = parts.pop();
      for (const line of parts) this.push(line);
      done();
    },
    flush(done) {
      if (rest !== '') this.push(rest);
      done();
    },
  });
}

const tokenize = () => new Transform({
  objectMode: true,
  transform(line, _encoding, done) {
    for (const m of line.toLowerCase().matchAll(WORD)) this.push(m[0]);
    done();
  },
});

const counter = () => new Writable({
  objectMode: true,
  write(word, _encoding, done) {
    counts.set(word, (counts.get(word) ?? 0) + 1);
    done();
  },
});

for (const file of files) await pipeline(createReadStream(file, { encoding: 'utf8' }), lines(), tokenize(), counter());
printResult(counts, started);
