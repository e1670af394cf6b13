// Checks the output of examples/sequence.ts: every input line exactly once, with the right per-key seq.

import { appendFileSync, writeFileSync } from 'node:fs';
import { readOutputLines } from './helpers.ts';

/** Writes `lines` input lines `k<j>,p<i>` over `keys` keys; returns the path. */
export function writeSequenceInput(path: string, lines: number, keys: number): void {
  writeFileSync(path, '');
  let out: string[] = [];
  let seed = 12345;
  for (let i = 0; i < lines; i++) {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    out.push(`k${seed % keys},p${i}`);
    // In slices, so that tens of millions of lines do not need one giant string.
    if (out.length === 1 << 20) { appendFileSync(path, `${out.join('\n')}\n`); out = []; }
  }
  if (out.length > 0) appendFileSync(path, `${out.join('\n')}\n`);
}

/** Returns a list of problems (empty when the output is exactly once and in order per key). */
export function checkSequenceOutput(input: string, outputDir: string): string[] {
  const problems: string[] = [];
  const expected = new Map<string, string[]>();
  for (const line of input.split('\n')) {
    if (!line) continue;
    const [key, payload] = line.split(',') as [string, string];
    let list = expected.get(key);
    if (!list) expected.set(key, (list = []));
    list.push(payload);
  }
  const seen = new Map<string, Map<number, string>>();
  let total = 0;
  for (const line of readOutputLines(outputDir)) {
    total++;
    const [key, seqText, payload] = line.split(',') as [string, string, string];
    const seq = Number(seqText);
    let m = seen.get(key);
    if (!m) seen.set(key, (m = new Map()));
    if (m.has(seq)) { if (problems.length < 10) problems.push(`duplicate ${key} seq ${seq}`); continue; }
    m.set(seq, payload);
  }
  for (const [key, payloads] of expected) {
    const m = seen.get(key) ?? new Map<number, string>();
    for (let i = 0; i < payloads.length; i++) {
      const got = m.get(i + 1);
      if (got !== payloads[i] && problems.length < 10) problems.push(`${key} seq ${i + 1}: expected ${payloads[i]}, got ${got ?? 'nothing'}`);
    }
    if (m.size !== payloads.length && problems.length < 10) problems.push(`${key}: ${m.size} lines, expected ${payloads.length}`);
  }
  const lines = [...expected.values()].reduce((a, l) => a + l.length, 0);
  if (total !== lines) problems.push(`output has ${total} lines, input ${lines}`);
  return problems;
}
