// Names of the file sink's part files, and finding the highest part counter already used in a directory.

import { readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Where a part is written while open or pending (hidden), and its published name. */
export interface PartNames {
  readonly inProgressPath: string;
  readonly finalPath: string;
}

export function partNames(dir: string, prefix: string, suffix: string, subtask: number, counter: number): PartNames {
  const finalName = `${prefix}-${subtask}-${counter}${suffix}`;
  return { inProgressPath: join(dir, `.${finalName}.inprogress`), finalPath: join(dir, finalName) };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The highest counter of any part of `subtask` in `dir`, finished or hidden (in progress,
 * pending, or left over by a failed attempt), or -1. A new part must take a higher one:
 * reusing a leftover name could overwrite data a committer still has to publish.
 */
export function highestPartCounter(dir: string, prefix: string, suffix: string, subtask: number): number {
  const pattern = new RegExp(`^\\.?${escapeRegExp(prefix)}-${subtask}-(\\d+)${escapeRegExp(suffix)}(?:\\.inprogress)?$`);
  let highest = -1;
  for (const name of readdirSync(dir)) {
    const match = pattern.exec(name);
    if (match !== null) highest = Math.max(highest, Number(match[1]));
  }
  return highest;
}
