// Listing completed checkpoints: summaries from their metadata, and the table `weir checkpoints <dir>` prints.

import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { CheckpointCorruptError, ConfigError } from '../core/errors.ts';
import { isFile, scanJobDir } from './checkpoint-dirs.ts';
import { METADATA_FILE } from './file-names.ts';
import { Lineage, LINEAGE_FILE } from './lineage.ts';
import { readMetadata } from './load-checkpoint.ts';
import type { CheckpointInfo, CheckpointMetadata, OperatorStateInfo } from './types.ts';

/** A summary of one checkpoint from its metadata; `metadataBytes` is the size of `_metadata` itself. */
export function describeCheckpoint(path: string, metadata: CheckpointMetadata, metadataBytes: number): CheckpointInfo {
  const counted = new Set<string>();
  let sizeBytes = metadataBytes;
  const operators: OperatorStateInfo[] = metadata.operators.map((operator) => {
    let stateBytes = 0;
    for (const subtask of operator.subtasks) {
      for (const handle of Object.values(subtask.handles)) {
        stateBytes += handle.size;
        if (!counted.has(handle.file)) {
          counted.add(handle.file);
          sizeBytes += handle.size;
        }
      }
    }
    return { uid: operator.uid, name: operator.name, parallelism: operator.parallelism, stateBytes };
  });
  return {
    id: metadata.checkpointId,
    kind: metadata.kind,
    path,
    jobId: metadata.jobId,
    jobName: metadata.jobName,
    timestamp: metadata.timestamp,
    durationMs: metadata.durationMs,
    sizeBytes,
    operators,
  };
}

/**
 * Completed checkpoints of one job directory, oldest first, from their metadata (state files are
 * not read). One whose metadata is corrupt is reported through `onWarning` and left out.
 */
export async function listCompletedIn(jobDir: string, onWarning: (message: string) => void): Promise<CheckpointInfo[]> {
  const infos: CheckpointInfo[] = [];
  for (const entry of await scanJobDir(jobDir)) {
    if (!entry.complete) continue;
    try {
      const { metadata, bytes } = await readMetadata(entry.path);
      infos.push(describeCheckpoint(entry.path, metadata, bytes));
    } catch (error) {
      if (!(error instanceof CheckpointCorruptError)) throw error;
      onWarning(`Checkpoint ${entry.id} in ${jobDir} is not listed: ${error.message}`);
    }
  }
  return infos;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 'B';
  for (const next of units) {
    if (value < 1024) break;
    value /= 1024;
    unit = next;
  }
  return `${value.toFixed(1)} ${unit}`;
}

type Row = readonly [id: string, kind: string, time: string, size: string, duration: string, state: string];

function rowOf(info: CheckpointInfo): Row {
  const state = info.operators.map((op) => `${op.name} [${op.uid}] x${op.parallelism}: ${formatBytes(op.stateBytes)}`).join(', ');
  return [String(info.id), info.kind, new Date(info.timestamp).toISOString(), formatBytes(info.sizeBytes), `${info.durationMs} ms`, state || '(no state)'];
}

/** `label` names the checkpoint where its metadata cannot; `labelAsId` shows it instead of the id (savepoints). */
async function rowAt(path: string, label: string, labelAsId = false): Promise<Row> {
  if (!(await isFile(join(path, METADATA_FILE)))) return [label, 'incomplete', '-', '-', '-', `no ${METADATA_FILE}: in progress, aborted or crashed`];
  try {
    const { metadata, bytes } = await readMetadata(path);
    const row = rowOf(describeCheckpoint(path, metadata, bytes));
    return labelAsId ? [label, row[1], row[2], row[3], row[4], row[5]] : row;
  } catch (error) {
    if (!(error instanceof CheckpointCorruptError)) throw error;
    return [label, 'CORRUPT', '-', '-', '-', error.message];
  }
}

function renderTable(rows: readonly Row[]): string[] {
  const header: Row = ['ID', 'KIND', 'TIME (UTC)', 'SIZE', 'DURATION', 'STATE PER OPERATOR'];
  const all = [header, ...rows];
  const widths = header.map((_, column) => Math.max(...all.map((row) => (row[column] as string).length)));
  return all.map((row) => `  ${row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column] as number))).join('  ')}`.trimEnd());
}

/** Lineage lines shown per job: its newest records. */
const LINEAGE_SHOWN = 12;

async function jobSection(jobDir: string, title: string): Promise<string[]> {
  const rows: Row[] = [];
  for (const entry of await scanJobDir(jobDir)) rows.push(await rowAt(entry.path, String(entry.id)));
  return [`${title}  ${jobDir}`, ...renderTable(rows), ...(await lineageLines(jobDir))];
}

/** The current branch of the job's lineage, newest records last, and what `--restore latest` would take. */
async function lineageLines(jobDir: string): Promise<string[]> {
  if (!(await isFile(join(jobDir, LINEAGE_FILE)))) return [];
  let lineage: Lineage;
  try {
    lineage = await Lineage.read(jobDir);
  } catch (error) {
    if (!(error instanceof CheckpointCorruptError)) throw error;
    return [`  lineage: CORRUPT: ${error.message}`];
  }
  const records = lineage.records;
  const lines = records.slice(-LINEAGE_SHOWN).map((r) => {
    const time = new Date(r.at).toISOString();
    if (r.type === 'start') {
      const from = r.base ? `restored ${r.base.kind} ${r.base.id}  ${r.base.path}` : 'started from scratch';
      return `    ${time}  run ${from}${r.fork ? '  (new branch)' : ''}`;
    }
    return `    ${time}  ${r.kind} ${r.id} completed${r.commits ? ', sinks committed' : ''}  ${r.path}`;
  });
  const newest = lineage.newest();
  return [
    `  lineage (current branch${records.length > LINEAGE_SHOWN ? `, newest ${LINEAGE_SHOWN} of ${records.length} records` : ''}):`,
    ...lines,
    `  --restore latest takes: ${newest ? `${newest.kind} ${newest.id}  ${newest.path}` : 'nothing yet (starts from scratch)'}`,
  ];
}

/**
 * The text of `weir checkpoints <dir>`. `dir` may be a checkpoint base directory (one
 * subdirectory per job), one job's directory, a savepoint directory, or a single checkpoint or
 * savepoint. Reads only `_metadata` files: it lists, it does not verify state files.
 */
export async function formatCheckpointList(dir: string): Promise<string> {
  const root = resolve(dir);
  try {
    if (!(await stat(root)).isDirectory()) throw new ConfigError(`${root} is not a directory`);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new ConfigError(`Checkpoint directory ${root} does not exist`, error);
    throw error;
  }
  if (await isFile(join(root, METADATA_FILE))) return [root, ...renderTable([await rowAt(root, '?')])].join('\n') + '\n';
  if ((await scanJobDir(root)).length > 0) return (await jobSection(root, 'job')).join('\n') + '\n';

  const sections: string[][] = [];
  const standalone: Row[] = [];
  const children = (await readdir(root, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name).sort();
  for (const name of children) {
    const path = join(root, name);
    if (await isFile(join(path, METADATA_FILE))) standalone.push(await rowAt(path, name, true));
    else if ((await scanJobDir(path)).length > 0 || (await isFile(join(path, LINEAGE_FILE)))) sections.push(await jobSection(path, `job ${name}`));
    else {
      // A folder of savepoints, such as the default <checkpoint-dir>/savepoints.
      const inner: Row[] = [];
      const grandchildren = (await readdir(path, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name).sort();
      for (const g of grandchildren) if (await isFile(join(path, g, METADATA_FILE))) inner.push(await rowAt(join(path, g), g, true));
      if (inner.length > 0) sections.push([`savepoints  ${path}`, ...renderTable(inner)]);
    }
  }
  if (standalone.length > 0) sections.push([`savepoints and standalone checkpoints  ${root}`, ...renderTable(standalone)]);
  if (sections.length === 0) return `No checkpoints or savepoints under ${root}\n`;
  return sections.map((lines) => lines.join('\n')).join('\n\n') + '\n';
}
