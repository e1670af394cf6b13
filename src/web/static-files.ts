// Serves the dashboard's files (src/web/dashboard/, written by the dashboard's own code) and the vendor libraries it loads.

import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { HttpError } from './errors.ts';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.svg': 'image/svg+xml', '.png': 'image/png', '.json': 'application/json; charset=utf-8',
  '.ico': 'image/x-icon', '.woff2': 'font/woff2', '.map': 'application/json; charset=utf-8',
};

/** The vendor files of the contract: URL name → package file. */
const VENDOR: Record<string, string> = {
  'elk.bundled.js': 'elkjs/lib/elk.bundled.js',
  'uPlot.iife.min.js': 'uplot/dist/uPlot.iife.min.js',
  'uPlot.min.css': 'uplot/dist/uPlot.min.css',
};

export interface StaticFile {
  readonly body: Buffer;
  readonly type: string;
}

export class StaticFiles {
  readonly #dashboardDir: string;
  readonly #require: NodeRequire;

  /** `packageRoot`: where Weir's package.json is (vendor files resolve from its node_modules). */
  constructor(dashboardDir: string, packageRoot: string) {
    this.#dashboardDir = resolve(dashboardDir);
    this.#require = createRequire(join(packageRoot, 'package.json'));
  }

  /** A file under the dashboard folder; `..` and absolute paths never leave it. */
  async dashboard(path: string): Promise<StaticFile> {
    const full = normalize(join(this.#dashboardDir, path));
    if (full !== this.#dashboardDir && !full.startsWith(this.#dashboardDir + sep)) throw new HttpError(404, 'WEIR_NOT_FOUND', `no dashboard file ${path}`);
    return this.#read(full, path === 'index.html'
      ? `the dashboard is not installed: ${full} is missing`
      : `no dashboard file ${path}`);
  }

  async vendor(name: string): Promise<StaticFile> {
    const spec = VENDOR[name];
    if (spec === undefined) throw new HttpError(404, 'WEIR_NOT_FOUND', `no vendor file ${name} (there are: ${Object.keys(VENDOR).join(', ')})`);
    let path: string;
    try {
      path = this.#require.resolve(spec);
    } catch {
      throw new HttpError(404, 'WEIR_NOT_FOUND', `vendor file ${name}: package file ${spec} is not installed`);
    }
    return this.#read(path, `vendor file ${name} is missing`);
  }

  async #read(path: string, missing: string): Promise<StaticFile> {
    try {
      return { body: await readFile(path), type: TYPES[extname(path)] ?? 'application/octet-stream' };
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'EISDIR' || code === 'ENOTDIR') throw new HttpError(404, 'WEIR_NOT_FOUND', missing);
      throw e;
    }
  }
}
