// Generates a deterministic text corpus (Zipf-distributed words, mixed case, punctuation, Unicode) for demos and benchmarks.
//   node scripts/gen-corpus.mjs <dir> <words> [files]

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function generateCorpus(dir, totalWords, files = 2) {
  mkdirSync(dir, { recursive: true });
  // A small PRNG so that every run writes the same corpus.
  let seed = 0x2545f491;
  const rand = () => {
    seed ^= seed << 13; seed ^= seed >>> 17; seed ^= seed << 5;
    return (seed >>> 0) / 4294967296;
  };
  const syllables = ['ka', 'ri', 'to', 'mu', 'sen', 'la', 'dor', 'vi', 'nel', 'qua', 'ze', 'bro', 'ish', 'tan', 'po'];
  const special = ['café', 'naïve', 'Straße', 'Ünïcödé', '東京', 'データ', 'привет', 'мир', 'ελληνικά', 'x2', '42', 'ŝtono'];
  const vocab = [];
  for (let i = 0; i < 20000; i++) {
    const n = 1 + Math.floor(rand() * 3);
    let w = '';
    for (let j = 0; j < n; j++) w += syllables[Math.floor(rand() * syllables.length)];
    vocab.push(w);
  }
  vocab.splice(5, 0, ...special);
  const punct = ['', '', '', ',', '.', '!', '?', ';', ' -', '"'];
  const perFile = Math.ceil(totalWords / files);
  let written = 0;
  for (let f = 0; f < files; f++) {
    const lines = [];
    let line = [];
    const target = Math.min(perFile, totalWords - written);
    for (let i = 0; i < target; i++) {
      // Zipf-like: small indexes are much more frequent.
      const idx = Math.floor(vocab.length * Math.pow(rand(), 3));
      let w = vocab[idx];
      const r = rand();
      if (r < 0.1) w = w[0].toUpperCase() + w.slice(1);
      else if (r < 0.12) w = w.toUpperCase();
      line.push(w + punct[Math.floor(rand() * punct.length)]);
      if (line.length >= 8 + Math.floor(rand() * 8)) { lines.push(line.join(' ')); line = []; }
    }
    if (line.length > 0) lines.push(line.join(' '));
    written += target;
    writeFileSync(join(dir, `part-${f}.txt`), lines.join('\n') + '\n');
  }
  return written;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [dir, words, files] = process.argv.slice(2);
  if (!dir || !words) {
    process.stderr.write('usage: node scripts/gen-corpus.mjs <dir> <words> [files]\n');
    process.exit(1);
  }
  const n = generateCorpus(dir, Number(words), files ? Number(files) : 2);
  process.stdout.write(`wrote ${n} words into ${dir}\n`);
}
