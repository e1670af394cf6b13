// Builds the published package: src/ (minus tests) compiled by tsc into dist/ as ESM JavaScript and .d.ts files,
// plus the web dashboard's static files (src/web/dashboard/ → dist/web/dashboard/, served from beside the server's module).
// The repo itself never needs dist/: tests, examples and bin/weir run from src/ (docs/architecture.md, "Package").

import { spawnSync } from 'node:child_process';
import { cpSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
// A stale dist/ could ship files whose source is gone.
rmSync(join(root, 'dist'), { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const result = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { cwd: root, stdio: 'inherit' });
if (result.status !== 0) process.exit(result.status ?? 1);
// Plain browser files (HTML, JavaScript modules, CSS): tsc does not copy them.
cpSync(join(root, 'src', 'web', 'dashboard'), join(root, 'dist', 'web', 'dashboard'), { recursive: true });

