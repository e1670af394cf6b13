// Stacks mapped back to the job's TypeScript when an error is reported, not when the bundle is loaded.
//
// Worker threads import the job bundle without Node's source-map support: with it, every thread reads and
// indexes the whole map at import (~25 ms of CPU each, docs/benchmarks.md "Stop 23"), on the path of every job's
// start. An error's stack names the bundle's lines instead; `mapStack` rewrites each such frame through the
// bundle's map (linked beside it, or inline as a cluster submission carries it), loaded on the first error.

import { readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** A frame's location: `(file:///…/bundle.mjs:12:34)` or a bare `at file:///…/bundle.mjs:12:34`. */
const FRAME = /((?:file:\/\/)?\/[^\s():]+\.(?:mjs|js|cjs)):(\d+):(\d+)/g;

/** Per generated file: its map and the URL its sources are relative to, or null when it has none. */
const maps = new Map<string, { map: SourceMap; base: string } | null>();

function mapOf(file: string): { map: SourceMap; base: string } | null {
  let entry = maps.get(file);
  if (entry !== undefined) return entry;
  entry = null;
  try {
    const path = file.startsWith('file:') ? fileURLToPath(file) : file;
    const text = readFileSync(path, 'utf8');
    const link = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(text);
    if (link !== null) {
      const url = link[1]!;
      const fileUrl = pathToFileURL(path).href;
      if (url.startsWith('data:')) {
        const comma = url.indexOf(',');
        const body = url.slice(comma + 1);
        const json = url.slice(0, comma).endsWith(';base64') ? Buffer.from(body, 'base64').toString('utf8') : decodeURIComponent(body);
        entry = { map: new SourceMap(JSON.parse(json)), base: fileUrl };
      } else {
        const mapUrl = new URL(url, fileUrl);
        entry = { map: new SourceMap(JSON.parse(readFileSync(mapUrl, 'utf8'))), base: mapUrl.href };
      }
    }
  } catch {
    // No map to read (the bundle is gone, or not one of ours): the frame stays as V8 wrote it.
    entry = null;
  }
  maps.set(file, entry);
  return entry;
}

/** The stack with every frame of a mapped bundle pointing at its source (`/abs/job.ts:3:7`); other frames unchanged. */
export function mapStack(stack: string): string;
export function mapStack(stack: string | undefined): string | undefined;
export function mapStack(stack: string | undefined): string | undefined {
  if (stack === undefined) return stack;
  return stack.replace(FRAME, (whole, file: string, line: string, column: string) => {
    const m = mapOf(file);
    if (m === null) return whole;
    const found = m.map.findEntry(Number(line) - 1, Number(column) - 1) as { originalSource?: string; originalLine?: number; originalColumn?: number };
    if (found.originalSource === undefined || found.originalLine === undefined) return whole;
    let source = found.originalSource;
    try {
      const url = new URL(source, m.base);
      source = url.protocol === 'file:' ? fileURLToPath(url) : url.href;
    } catch {
      // Not a URL or a path relative to one: keep what the map says.
    }
    return `${source}:${found.originalLine + 1}:${(found.originalColumn ?? 0) + 1}`;
  });
}
