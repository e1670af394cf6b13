// Chaos driver: the sequence job through random kill -9 of its process group, stop-with-savepoint and restores at other parallelisms.
//
// Every run is the same command with `--restore latest` and a random parallelism; the driver
// either kills the whole process group at a random moment (before the first checkpoint, during
// one, between two), or stops the run with a savepoint (SIGTERM) once it made progress, or lets
// it finish. At the end the output must hold every input line exactly once, in order per key.
// Bounded in runs and time: it stops by itself.
//
//   node --import tsx test/integration/chaos-driver.ts --lines 20000000 --kills 40 --savepoints 4 [--dir D] [--seed N]

import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { completedCheckpoints, WEIR, ROOT, removeDir, tempDir } from './helpers.ts';
import { checkSequenceOutput, writeSequenceInput } from './sequence-check.ts';

export interface ChaosOptions {
  readonly lines: number;
  readonly keys?: number;
  readonly kills: number;
  readonly savepoints: number;
  readonly seed?: number;
  /** Per-record busy wait of the job, µs (slows runs so that kills land mid-way). */
  readonly throttleUs?: number;
  /** Part files roll at this size, so checkpoints carry commits. */
  readonly maxPartBytes?: number;
  /** Kill moments are drawn from [0.2 s, this] after a run starts. */
  readonly maxKillDelayMs?: number;
  readonly maxRuns?: number;
  /** A single run that takes longer is killed and reported (default 180 s). */
  readonly runTimeoutMs?: number;
  readonly deadlineMs?: number;
  readonly dir?: string;
  readonly log?: (line: string) => void;
  /** Keeps each run's command and stderr as run-<n>.log in the directory. */
  readonly keepLogs?: boolean;
}

export interface ChaosResult {
  readonly problems: string[];
  readonly kills: number;
  readonly savepoints: number;
  readonly rescales: number;
  readonly runs: number;
  readonly parallelisms: number[];
  readonly wallMs: number;
}

interface RunOutcome { code: number | null; signal: NodeJS.Signals | null; stderr: string }

export async function runChaos(o: ChaosOptions): Promise<ChaosResult> {
  const started = Date.now();
  const dir = o.dir ?? tempDir('chaos');
  const log = o.log ?? (() => {});
  // mulberry32: small, seeded, good enough to spread kill moments and parallelisms.
  let seed = (o.seed ?? 20261201) >>> 0;
  const rand = (): number => {
    seed = (seed + 0x6d2b79f5) >>> 0;
    let t = seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const input = join(dir, 'in.txt');
  const jobDir = join(dir, 'cp', 'sequence');
  if (!existsSync(input)) writeSequenceInput(input, o.lines, o.keys ?? 101);
  let kills = 0;
  let savepoints = 0;
  let rescales = 0;
  let runs = 0;
  let lastP = 0;
  const parallelisms: number[] = [];
  const problems: string[] = [];
  const maxRuns = o.maxRuns ?? (o.kills + o.savepoints) * 3 + 10;
  const deadline = started + (o.deadlineMs ?? 30 * 60_000);
  for (; runs < maxRuns && Date.now() < deadline; ) {
    runs++;
    const p = 1 + Math.floor(rand() * 3);
    parallelisms.push(p);
    if (lastP !== 0 && p !== lastP) rescales++;
    lastP = p;
    const args = ['run', 'examples/sequence.ts', '--input', input, '--output', join(dir, 'out'), '-p', String(p),
      '--checkpoint-dir', join(dir, 'cp'), '--checkpoint-interval', String(100 + Math.floor(rand() * 300)),
      '--restore', 'latest', '--no-progress',
      ...(o.throttleUs ? ['--throttle-us', String(o.throttleUs)] : []),
      ...(o.maxPartBytes ? ['--max-part-bytes', String(o.maxPartBytes)] : [])];
    const leftKills = o.kills - kills;
    const leftSavepoints = o.savepoints - savepoints;
    const r = rand();
    const action = leftKills + leftSavepoints === 0 ? 'finish' : r < leftKills / (leftKills + leftSavepoints) ? 'kill' : 'savepoint';
    const child = spawn(process.execPath, [WEIR, ...args], { cwd: ROOT, detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (d: string) => { stderr = (stderr + d).slice(-20_000); });
    const done = new Promise<RunOutcome>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stderr })));
    let sent: 'kill' | 'savepoint' | undefined;
    if (action === 'kill') {
      const delay = 200 + Math.floor(rand() * ((o.maxKillDelayMs ?? 3000) - 200));
      const timer = setTimeout(() => { sent = 'kill'; try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* already gone */ } }, delay);
      void done.then(() => clearTimeout(timer));
    } else if (action === 'savepoint') {
      // Once this run completed a checkpoint of its own (progress), stop it with a savepoint.
      const before = Math.max(0, ...completedCheckpoints(jobDir).map((d) => Number(d.slice(4))));
      const poll = setInterval(() => {
        if (completedCheckpoints(jobDir).some((d) => Number(d.slice(4)) > before)) {
          clearInterval(poll);
          sent = 'savepoint';
          child.kill('SIGTERM');
        }
      }, 25);
      void done.then(() => clearInterval(poll));
    }
    // A run that neither finishes nor fails (a restart loop, a hang) is a failure of its own.
    const hang = setTimeout(() => { try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* gone */ } }, o.runTimeoutMs ?? 180_000);
    const outcome = await done;
    clearTimeout(hang);
    if (o.keepLogs) writeFileSync(join(dir, `run-${runs}.log`), `${args.join(' ')}\n${action}\n${outcome.stderr}`);
    if (outcome.signal === 'SIGKILL' && sent !== 'kill') {
      problems.push(`run ${runs} (p=${p}, ${action}) did not end within ${o.runTimeoutMs ?? 180_000} ms: ${outcome.stderr.slice(-3000)}`);
      break;
    }
    const tail = outcome.stderr.split('\n').filter((l) => l.startsWith('weir:') || l.startsWith('savepoint:')).slice(-3).join(' | ');
    if (outcome.signal === 'SIGKILL' && sent === 'kill') {
      kills++;
      log(`run ${runs}: p=${p} killed (kill ${kills}/${o.kills}) ${tail}`);
      continue;
    }
    if (outcome.code !== 0) {
      problems.push(`run ${runs} (p=${p}, ${action}) exited with ${outcome.code ?? outcome.signal}: ${outcome.stderr.slice(-3000)}`);
      break;
    }
    if (sent === 'savepoint') {
      if (!/^savepoint: /m.test(outcome.stderr)) {
        problems.push(`run ${runs}: SIGTERM gave exit 0 but no savepoint line: ${outcome.stderr.slice(-2000)}`);
        break;
      }
      savepoints++;
      log(`run ${runs}: p=${p} stopped with a savepoint (${savepoints}/${o.savepoints}) ${tail}`);
      continue;
    }
    // Finished by itself: the input ended (a kill or savepoint scheduled too late is not counted).
    log(`run ${runs}: p=${p} finished ${tail}`);
    if (kills < o.kills || savepoints < o.savepoints) log(`  (finished before all faults were injected: kills ${kills}, savepoints ${savepoints})`);
    problems.push(...checkSequenceOutput(readFileSync(input, 'utf8'), join(dir, 'out')));
    if (!existsSync(join(dir, 'out', '_SUCCESS'))) problems.push('no _SUCCESS after the job finished');
    return { problems, kills, savepoints, rescales, runs, parallelisms, wallMs: Date.now() - started };
  }
  problems.push(`the job did not finish within ${runs} runs / the deadline`);
  return { problems, kills, savepoints, rescales, runs, parallelisms, wallMs: Date.now() - started };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const arg = (name: string, fallback: number): number => {
    const i = process.argv.indexOf(`--${name}`);
    return i < 0 ? fallback : Number(process.argv[i + 1]);
  };
  const dirArg = process.argv.indexOf('--dir');
  const given = dirArg < 0 ? undefined : process.argv[dirArg + 1];
  const dir = given ?? tempDir('chaos');
  const result = await runChaos({
    lines: arg('lines', 20_000_000), kills: arg('kills', 40), savepoints: arg('savepoints', 4), seed: arg('seed', Date.now() % 100000),
    throttleUs: arg('throttle-us', 0), maxPartBytes: arg('max-part-bytes', 8 << 20), maxKillDelayMs: arg('max-kill-delay', 6000),
    deadlineMs: arg('deadline-min', 60) * 60_000, runTimeoutMs: arg('run-timeout-s', 600) * 1000, keepLogs: true, dir, log: (l) => process.stdout.write(`${new Date().toISOString()} ${l}\n`),
  });
  process.stdout.write(`${JSON.stringify({ ...result, problems: result.problems.slice(0, 10) })}\n`);
  process.stdout.write(result.problems.length === 0 ? `EXACTLY ONCE: ${arg('lines', 20_000_000)} lines through ${result.kills} kill -9, ${result.savepoints} savepoints, ${result.rescales} parallelism changes in ${result.runs} runs\n` : 'FAILED\n');
  if (given === undefined && result.problems.length === 0) removeDir(dir);
  process.exit(result.problems.length === 0 ? 0 : 1);
}
