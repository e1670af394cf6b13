// Peers a TypeScript user would pick instead of Weir, for bench/run.mjs (`--only peers`): word count on the same corpus.
//
// Everything counts the words of the word-count benchmark's corpus (scripts/gen-corpus.mjs, `--words`/`--files`)
// into final counts, in a fresh process per run (bench-only: these libraries are dev dependencies, never Weir's):
//   loop              bench/baseline-wordcount.mjs, the hand-written single-thread loop (final counts)
//   weir-p1           Weir STREAMING at p=1 (bench/jobs/wordcount-bench.ts, keyBy().sum(), discard sink)
//   weir-batch-p1     Weir BATCH at p=1 (one final count per word)
//   weir-batch-p2     Weir BATCH at p=2 (both cores: what a user gets from the default setup on this machine)
//   rxjs-groupby      RxJS groupBy(word) + count() per group (bench/peers/rxjs-wordcount.mjs)
//   node-streams      Node stream Transforms, one object per word (bench/peers/node-streams-wordcount.mjs)
//   beam-direct       Apache Beam TypeScript SDK, direct runner (bench/peers/beam-wordcount.mjs)
// The Beam direct runner counts ~10–20 k words/s on this machine, so it runs on a smaller corpus of the same
// generator (`--beam-words`, default 200 000); loop-small and weir-p1-small run on that corpus too, so Beam is
// compared both per word against Weir on the full corpus and on the very same small corpus.
// The checks after timing: every run counted the corpus's words, and the same distinct words as the loop.

import assert from 'node:assert/strict';

/**
 * @param {{ opts: { words: number, files: number, beamWords: number }, corpus: Function, runWeir: Function, runBaseline: Function }} deps
 */
export function peersBenchmark({ opts, corpus, runWeir, runBaseline }) {
  let big;
  let small;
  const bigNow = () => (big ??= corpus(opts.words, opts.files));
  const smallNow = () => (small ??= corpus(opts.beamWords, 1));
  const job = 'bench/jobs/wordcount-bench.ts';
  const script = (name, file, which, extra = []) => ({
    name, which,
    run: () => {
      const c = which === 'small' ? smallNow() : bigNow();
      return runBaseline([file, c.dir, ...extra], name, c.words);
    },
  });
  const weir = (name, which, extra) => ({
    name, which, weir: true,
    run: () => {
      const c = which === 'small' ? smallNow() : bigNow();
      return runWeir([job, '--parallelism', '1', '--input', c.dir, ...extra], name, c.words);
    },
  });
  const configs = [
    script('loop', 'bench/baseline-wordcount.mjs', 'big'),
    weir('weir-p1', 'big', []),
    weir('weir-batch-p1', 'big', ['--runtime-mode', 'BATCH']),
    { ...weir('weir-batch-p2', 'big', ['--runtime-mode', 'BATCH']), run: () => { const c = bigNow(); return runWeir([job, '--parallelism', '2', '--input', c.dir, '--runtime-mode', 'BATCH'], 'weir-batch-p2', c.words); } },
    script('rxjs-groupby', 'bench/peers/rxjs-wordcount.mjs', 'big'),
    script('node-streams', 'bench/peers/node-streams-wordcount.mjs', 'big'),
    script('beam-direct', 'bench/peers/beam-wordcount.mjs', 'small'),
    script('loop-small', 'bench/baseline-wordcount.mjs', 'small'),
    weir('weir-p1-small', 'small', []),
  ];
  return {
    name: 'peers',
    title: `Peers: word count into final counts, ${opts.words} words in ${opts.files} files; Beam's direct runner on ${opts.beamWords} words (1 file) of the same generator`,
    unit: 'words/s',
    configs,
    ratios: [
      ['weir-p1', 'beam-direct'], ['weir-batch-p1', 'beam-direct'], ['weir-p1-small', 'beam-direct'],
      ['weir-p1', 'rxjs-groupby'], ['weir-batch-p1', 'rxjs-groupby'], ['weir-batch-p2', 'rxjs-groupby'], ['weir-batch-p2', 'beam-direct'],
      ['weir-p1', 'node-streams'], ['weir-batch-p1', 'node-streams'],
      ['weir-p1', 'loop'], ['weir-batch-p1', 'loop'],
      ['rxjs-groupby', 'loop'], ['node-streams', 'loop'], ['beam-direct', 'loop-small'], ['weir-p1-small', 'loop-small'],
    ],
    // Words per CPU-second of the whole process (all threads, startup included): steadier than wall time on a loaded machine.
    extraStats: (list) => ({ cpuRate: median(list.map((r) => r.units / r.cpuSeconds)) }),
    printExtra: (stats) => {
      process.stdout.write('\n  words per CPU-second (whole process, all threads, module loading and startup included):\n');
      for (const c of configs) {
        const s = stats.get(c.name);
        if (s) process.stdout.write(`    ${c.name.padEnd(16)} ${fmt(s.cpuRate).padStart(8)}\n`);
      }
      const r = (a, b) => (stats.get(a) && stats.get(b) ? stats.get(a).rate.median / stats.get(b).rate.median : undefined);
      const rc = (a, b) => (stats.get(a) && stats.get(b) ? stats.get(a).cpuRate / stats.get(b).cpuRate : undefined);
      const say = (label, a, b, target) => {
        const x = r(a, b);
        const y = rc(a, b);
        if (x === undefined) return;
        const verdict = (v) => (v >= target ? 'met' : 'NOT met');
        process.stdout.write(`  ${label.padEnd(52)} ${x.toFixed(1).padStart(6)}× (${verdict(x)})  per CPU-second ${y.toFixed(1).padStart(6)}× (${verdict(y)})\n`);
      };
      process.stdout.write('\n  against the targets (job-time rates, then per CPU-second; Beam per word on its smaller corpus):\n');
      say('Weir STREAMING p=1 / Beam direct runner (≥ 10×)', 'weir-p1', 'beam-direct', 10);
      say('Weir BATCH p=1 / Beam direct runner (≥ 10×)', 'weir-batch-p1', 'beam-direct', 10);
      say('Weir STREAMING p=1 / Beam, same small corpus (≥ 10×)', 'weir-p1-small', 'beam-direct', 10);
      say('Weir STREAMING p=1 / RxJS groupBy (≥ 5×)', 'weir-p1', 'rxjs-groupby', 5);
      say('Weir BATCH p=1 / RxJS groupBy (≥ 5×)', 'weir-batch-p1', 'rxjs-groupby', 5);
      say('Weir BATCH p=2 / RxJS groupBy (≥ 5×)', 'weir-batch-p2', 'rxjs-groupby', 5);
      say('Weir BATCH p=2 / Beam direct runner (≥ 10×)', 'weir-batch-p2', 'beam-direct', 10);
    },
    check: (runs) => {
      const distinct = new Map();
      for (const c of configs) {
        const words = (c.which === 'small' ? smallNow() : bigNow()).words;
        for (const r of runs.get(c.name) ?? []) {
          if (c.weir) {
            // STREAMING p=1 chains the keyBy (one stage, no edge to count words on); BATCH combines per word before the
            // shuffle (partial counts, at most one per word and producer cross it); otherwise every word crosses the keyBy.
            if (r.stages.length === 1) assert.ok(r.stages[0].recordsIn > 0, `${c.name}: read no lines`);
            else if (c.name.includes('batch')) assert.ok(r.stages[0]?.recordsOut <= words && r.stages[0]?.recordsOut > 0, `${c.name}: ${r.stages[0]?.recordsOut} partial counts crossed the keyBy`);
            else {
              assert.equal(r.stages[0]?.recordsOut, words, `${c.name}: the tokenizer emitted ${r.stages[0]?.recordsOut} words, expected ${words}`);
              assert.equal(r.stages.at(-1)?.recordsIn, words, `${c.name}: the counting stage received ${r.stages.at(-1)?.recordsIn} words, expected ${words}`);
            }
            continue;
          }
          assert.equal(r.result.words, words, `${c.name}: counted ${r.result.words} words, the corpus has ${words}`);
          const seen = distinct.get(c.which);
          if (seen === undefined) distinct.set(c.which, { name: c.name, n: r.result.distinct });
          else assert.equal(r.result.distinct, seen.n, `${c.name}: ${r.result.distinct} distinct words, ${seen.name} found ${seen.n}`);
        }
      }
    },
  };
}

function median(xs) {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

function fmt(x) {
  if (!Number.isFinite(x)) return '–';
  return x >= 1e6 ? `${(x / 1e6).toFixed(2)}M` : `${(x / 1e3).toFixed(1)}k`;
}

/**
 * The peers on Nexmark q5 (hot items: sliding 10 s / 2 s count per auction, the auctions at each window's
 * maximum), all over the same generated events with the same final rows (checked): the hand-written reference
 * (bench/nexmark-ref), Weir STREAMING p=1 (examples/nexmark/q5.ts, net of a 1-event run as in the Nexmark
 * benchmark), RxJS, Node streams and Beam's direct runner — the last on `--beam-events` events only (it
 * manages well under a thousand events per second with sliding windows here), with the reference beside it on
 * the same small input.
 * @param {{ opts: { nexmarkEvents: number, beamEvents: number }, root: string, runWeir: Function, runBaseline: Function, hasQ5: boolean }} deps
 */
export function peersQ5Benchmark({ opts, runWeir, runBaseline, hasQ5 }) {
  const n = opts.nexmarkEvents;
  const small = opts.beamEvents;
  const script = (name, file, events) => ({
    name, events,
    run: () => runBaseline(['--import', 'tsx', file, ...(file.includes('nexmark-ref') ? ['--query', 'q5'] : []), '--events', String(events)], name, events),
  });
  const weir = (name, events) => ({
    name, events, weir: true,
    run: () => runWeir(['examples/nexmark/q5.ts', '--events', String(events), '--parallelism', '1'], name, events),
  });
  const configs = [
    script('ref-q5', 'bench/nexmark-ref/run.ts', n),
    ...(hasQ5 ? [weir('weir-q5', n), weir('weir-q5-start', 1)] : []),
    script('rxjs-q5', 'bench/peers/rxjs-q5.mjs', n),
    script('node-streams-q5', 'bench/peers/node-streams-q5.mjs', n),
    script('beam-q5', 'bench/peers/beam-q5.mjs', small),
    script('ref-q5-small', 'bench/nexmark-ref/run.ts', small),
  ];
  return {
    name: 'peers-q5',
    title: `Peers on Nexmark q5, ${n} events (Beam's direct runner on ${small} events)${hasQ5 ? '' : '\n  examples/nexmark/q5.ts is not there yet: Weir skipped'}`,
    unit: 'events/s',
    configs,
    ratios: [['rxjs-q5', 'ref-q5'], ['node-streams-q5', 'ref-q5'], ['beam-q5', 'ref-q5-small'], ['weir-q5', 'rxjs-q5'], ['weir-q5', 'node-streams-q5'], ['weir-q5', 'beam-q5'], ['weir-q5', 'ref-q5']],
    extraStats: (list) => ({ jobSeconds: median(list.map((r) => r.jobSeconds)) }),
    printExtra: (stats) => {
      const w = stats.get('weir-q5');
      const w0 = stats.get('weir-q5-start');
      if (!w || !w0) return;
      const net = n / (w.jobSeconds - w0.jobSeconds);
      process.stdout.write(`\n  Weir q5 net of its 1-event run: ${fmt(net)} events/s\n`);
      for (const peer of ['ref-q5', 'rxjs-q5', 'node-streams-q5', 'beam-q5']) {
        const s = stats.get(peer);
        if (s) process.stdout.write(`    Weir (net) / ${peer.padEnd(16)} ${(net / s.rate.median).toFixed(2)}\n`);
      }
    },
    check: (runs) => {
      const rows = new Map();
      for (const c of configs) {
        if (c.weir) continue;
        for (const r of runs.get(c.name) ?? []) {
          const seen = rows.get(c.events);
          if (seen === undefined) rows.set(c.events, { name: c.name, rows: r.result.rows, checksum: r.result.checksum });
          else {
            assert.equal(r.result.rows, seen.rows, `${c.name}: ${r.result.rows} rows, ${seen.name} had ${seen.rows}`);
            assert.equal(r.result.checksum, seen.checksum, `${c.name}: checksum ${r.result.checksum}, ${seen.name} had ${seen.checksum}`);
          }
        }
      }
      for (const r of runs.get('weir-q5') ?? []) assert.equal(r.stages[0]?.recordsIn, n, `weir-q5: the source read ${r.stages[0]?.recordsIn} events`);
    },
  };
}
