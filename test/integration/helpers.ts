// Shared helpers of the integration tests: run bin/weir as a real child process, read output files.

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '..', '..');
export const WEIR = join(ROOT, 'bin', 'weir');

export interface RunResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `weir <args>`; kills it and fails after `timeoutMs` so a hang is a failure, not a stuck suite. */
/** `nodeArgs`: Node's own options, before bin/weir (`node --max-old-space-size=… bin/weir run …`). */
export function runWeir(args: readonly string[], options: { timeoutMs?: number; env?: Record<string, string>; nodeArgs?: readonly string[] } = {}): Promise<RunResult> {
  const child = startWeir(args, options.env, options.nodeArgs);
  return waitFor(child, options.timeoutMs ?? 60_000);
}

type Closed = { code: number | null; signal: NodeJS.Signals | null };
/** How each child of startWeir ended ('close': exited and its pipes drained), known from its spawn on. */
const closedAs = new WeakMap<ChildProcess, Promise<Closed>>();

export function startWeir(args: readonly string[], env?: Record<string, string>, nodeArgs: readonly string[] = []): ChildProcess & { out: { stdout: string; stderr: string } } {
  const child = spawn(process.execPath, [...nodeArgs, WEIR, ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] }) as ChildProcess & { out: { stdout: string; stderr: string } };
  child.out = { stdout: '', stderr: '' };
  // Recorded from the start: a test may call waitFor only after the process has already exited and closed its pipes.
  closedAs.set(child, new Promise((resolveClosed) => child.once('close', (code, signal) => resolveClosed({ code, signal }))));
  child.stdout!.setEncoding('utf8').on('data', (d: string) => { child.out.stdout += d; });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => { child.out.stderr += d; });
  return child;
}

export function waitFor(child: ChildProcess & { out: { stdout: string; stderr: string } }, timeoutMs: number): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`weir did not finish within ${timeoutMs} ms\nstdout: ${child.out.stdout.slice(-2000)}\nstderr: ${child.out.stderr.slice(-2000)}`));
    }, timeoutMs);
    (closedAs.get(child) ?? new Promise<Closed>((resolveClosed) => child.once('close', (code, signal) => resolveClosed({ code, signal })))).then(({ code, signal }) => {
      clearTimeout(timer);
      // Let the pipes drain.
      setImmediate(() => resolvePromise({ code, signal, stdout: child.out.stdout, stderr: child.out.stderr }));
    });
  });
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `weir-${prefix}-`));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** Lines of every visible (finished) file in a directory; names starting with . or _ are not output. */
export function readOutputLines(dir: string): string[] {
  const lines: string[] = [];
  for (const f of readdirSync(dir).sort()) {
    if (f.startsWith('.') || f.startsWith('_')) continue;
    for (const line of readFileSync(join(dir, f), 'utf8').split('\n')) if (line !== '') lines.push(line);
  }
  return lines;
}

/** Completed checkpoints (those with `_metadata`) of a job directory, oldest first. */
export function completedCheckpoints(jobDir: string): string[] {
  if (!existsSync(jobDir)) return [];
  return readdirSync(jobDir)
    .filter((d) => d.startsWith('chk-') && existsSync(join(jobDir, d, '_metadata')))
    .sort((a, b) => Number(a.slice(4)) - Number(b.slice(4)));
}

/** Polls until `condition` holds; false when the child exited or the time ran out first. */
export async function waitUntil(condition: () => boolean, child: ChildProcess, timeoutMs = 60_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (condition()) return true;
    if (child.exitCode !== null || child.signalCode !== null) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
  return false;
}

/**
 * Sends `signal` once a checkpoint newer than any present at the call completed (proof of
 * progress in this run), plus `extraMs`. Returns false when the run ended first.
 */
export async function signalAfterNextCheckpoint(child: ChildProcess, jobDir: string, signal: NodeJS.Signals, extraMs = 0): Promise<boolean> {
  const before = completedCheckpoints(jobDir).map((d) => Number(d.slice(4)));
  const highest = before.length > 0 ? Math.max(...before) : 0;
  const ok = await waitUntil(() => completedCheckpoints(jobDir).some((d) => Number(d.slice(4)) > highest), child, 120_000);
  if (!ok) return false;
  if (extraMs > 0) await new Promise((r) => setTimeout(r, extraMs));
  if (child.exitCode !== null || child.signalCode !== null) return false;
  child.kill(signal);
  return true;
}
