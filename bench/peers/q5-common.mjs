// Shared by the q5 peers (bench/peers/*-q5.mjs): the --events argument and the one JSON result line run.mjs reads.

export function eventsArg() {
  const i = process.argv.indexOf('--events');
  const n = i < 0 ? Number.NaN : Number(process.argv[i + 1]);
  if (!Number.isSafeInteger(n) || n < 1) {
    process.stderr.write('usage: node --import tsx bench/peers/<peer>-q5.mjs --events N\n');
    process.exit(1);
  }
  return n;
}

export function printQ5Result(events, result, started) {
  const seconds = (performance.now() - started) / 1000;
  process.stdout.write(`\n${JSON.stringify({ events, rows: result.rows, checksum: result.checksum, seconds })}\n`);
}
