// Temporary directories that go when this process exits, also when it exits early.
//
// `weir run` leaves on SIGINT/SIGTERM with process.exit (cli/main.ts, after stopping the slot threads), and a
// BATCH job's shuffle partitions and spilled runs would stay behind in /tmp: as large as the job's intermediate
// data, for every aborted run.
// Node runs 'exit' listeners on process.exit, on the end of the event loop and after an uncaught exception
// (not on SIGKILL or a native crash), synchronously: the removal is synchronous too, and best-effort.
//
// Two kinds of entry, both owned by this process (threads included, which share its pid):
// - a directory made here (`removeOnExit(dir)`), removed unless its owner released it first;
// - a base directory and a name prefix (`removeMatchingOnExit(base, prefix)`) for directories that worker threads
//   make (BATCH spills, batch/keyed-input.ts): a terminated thread runs no code, so the main thread removes what
//   matches. The prefix carries the pid (`spillPrefix()`), so another process's directories never match.

import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const dirs = new Set<string>();
/** base NUL prefix → the pattern. */
const patterns = new Map<string, { base: string; prefix: string }>();
let installed = false;

function removeAll(): void {
  for (const dir of dirs) remove(dir);
  dirs.clear();
  for (const { base, prefix } of patterns.values()) {
    let names: string[];
    try {
      names = readdirSync(base);
    } catch {
      continue;
    }
    for (const name of names) if (name.startsWith(prefix)) remove(join(base, name));
  }
}

function remove(dir: string): void {
  try {
    rmSync(dir, { recursive: true, force: true });
  } catch {
    // Best-effort: the process is ending, and nothing else can be done about it here.
  }
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on('exit', removeAll);
}

/** Removes `dir` when this process exits, unless the returned function was called first (its owner removed it). */
export function removeOnExit(dir: string): () => void {
  install();
  dirs.add(dir);
  return () => {
    dirs.delete(dir);
  };
}

/**
 * Removes the entries of `base` whose names start with `prefix` when this process exits. Kept until then: what
 * matches is this process's own, and at exit none of its jobs runs any more.
 */
export function removeMatchingOnExit(base: string, prefix: string): void {
  install();
  patterns.set(`${base}\0${prefix}`, { base, prefix });
}

/** The name prefix of a BATCH spill directory made by any thread of this process. */
export function spillPrefix(): string {
  return `weir-spill-${process.pid}-`;
}
