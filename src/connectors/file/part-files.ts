// Names of the file sink's part files, finding the ones already in a directory, and where a state's paths point.

import { readdirSync, realpathSync } from 'node:fs';
import { basename, dirname, isAbsolute, resolve } from 'node:path';

/** Names (relative to the sink's directory) of a part while open or pending (hidden), and once published. */
export interface PartNames {
  readonly inProgressName: string;
  readonly finalName: string;
}

export function partNames(prefix: string, suffix: string, subtask: number, counter: number): PartNames {
  const finalName = `${prefix}-${subtask}-${counter}${suffix}`;
  return { inProgressName: `.${finalName}.inprogress`, finalName };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function partPattern(prefix: string, suffix: string, subtask: string): RegExp {
  return new RegExp(`^\\.?${escapeRegExp(prefix)}-${subtask}-(\\d+)${escapeRegExp(suffix)}(?:\\.inprogress)?$`);
}

/**
 * The highest counter of any part of `subtask` in `dir`, finished or hidden (in progress,
 * pending, or left over by a failed attempt), or -1. A new part must take a higher one:
 * reusing a leftover name could overwrite data a committer still has to publish.
 */
export function highestPartCounter(dir: string, prefix: string, suffix: string, subtask: number): number {
  const pattern = partPattern(prefix, suffix, String(subtask));
  let highest = -1;
  for (const name of readdirSync(dir)) {
    const match = pattern.exec(name);
    if (match !== null) highest = Math.max(highest, Number(match[1]));
  }
  return highest;
}

/** Part files of any subtask of this prefix/suffix in `dir` (finished or hidden), sorted; [] if `dir` does not exist. */
export function existingPartFiles(dir: string, prefix: string, suffix: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw cause;
  }
  const pattern = partPattern(prefix, suffix, '\\d+');
  return names.filter((n) => pattern.test(n)).sort();
}

/**
 * Where a path of a checkpointed state points: states store the sink's directory once and
 * names relative to it; states of older versions stored absolute paths (no `dir`), which
 * are split here so both shapes take the same route.
 */
export function locate(dir: string | undefined, path: string): { readonly dir: string; readonly name: string } {
  if (dir === undefined || isAbsolute(path)) return { dir: dirname(resolve(path)), name: basename(path) };
  return { dir, name: path };
}

/** Whether two directory paths name the same directory (symlinks and `..` resolved when they exist). */
export function sameDir(a: string, b: string): boolean {
  if (resolve(a) === resolve(b)) return true;
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return false;
  }
}
