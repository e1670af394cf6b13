// Takes the screenshots of docs/dashboard.md (docs/images/dashboard-*.png) from a real job and Debian's chromium:
//
//   node scripts/dashboard-screenshots.mjs
//
// Runs test/web/dashboard-job.ts with `--web` (as fast as its slow Sequence operator allows, so the source is
// back-pressured), takes a savepoint through the page's button, opens a vertex, and cancels the job at the end.

import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const root = join(import.meta.dirname, '..');
const images = join(root, 'docs', 'images');
const CHROMIUM = '/usr/bin/chromium';
if (!existsSync(CHROMIUM)) {
  process.stderr.write(`${CHROMIUM} is missing (apt-get install chromium)\n`);
  process.exit(1);
}
mkdirSync(images, { recursive: true });

const port = await new Promise((resolve) => {
  const s = createServer();
  s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
});
const base = `http://127.0.0.1:${port}`;
const dir = mkdtempSync(join(tmpdir(), 'weir-screenshots-'));
const job = spawn(process.execPath, [join(root, 'bin', 'weir'), 'run', 'test/web/dashboard-job.ts', '--web', String(port), '--no-progress',
  '-p', '2', '--rate', '0', '--work-us', '150', '--checkpoint-dir', join(dir, 'checkpoints'), '--checkpoint-interval', '2000', '--output', join(dir, 'out')],
{ cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function until(what, ms, check) {
  const deadline = Date.now() + ms;
  for (;;) {
    try { const v = await check(); if (v) return v; } catch { /* not yet */ }
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await sleep(200);
  }
}

const userDataDir = mkdtempSync(join(tmpdir(), 'weir-chromium-'));
let context;
try {
  await until('the job running', 60_000, async () => (await (await fetch(`${base}/jobs`)).json()).jobs.some((j) => j.status === 'RUNNING'));
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM, viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = context.pages()[0] ?? await context.newPage();
  await page.goto(`${base}/`);
  await page.locator('svg.job-graph g.vertex').first().waitFor();
  // Some checkpoints and some metrics history first.
  await until('two completed checkpoints', 60_000, async () => (await page.locator('#checkpoints-table tbody tr[data-status="COMPLETED"]').count()) >= 2);

  await page.getByRole('button', { name: 'Take savepoint' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Take savepoint' }).click();
  await until('the savepoint completed', 60_000, async () => /^Savepoint completed/.test(await page.locator('#action-result').textContent()));
  await until('the savepoint in the history', 30_000, async () => (await page.locator('#checkpoints-table tbody tr[data-type="SAVEPOINT"]').count()) >= 1);
  await page.screenshot({ path: join(images, 'dashboard-job.png'), fullPage: true });

  await page.getByRole('button', { name: /^Vertex Sequence/ }).click();
  await page.locator('#subtasks-table tbody tr').first().waitFor();
  await sleep(8000); // a few more points on the chart
  await page.locator('#vertex-section').screenshot({ path: join(images, 'dashboard-vertex.png') });

  await page.getByRole('button', { name: 'Cancel job' }).click();
  await page.getByRole('dialog').screenshot({ path: join(images, 'dashboard-confirm.png') });
  await page.getByRole('dialog').getByRole('button', { name: 'Cancel job' }).click();
  process.stdout.write(`screenshots written to ${images}\n`);
} finally {
  await context?.close().catch(() => {});
  rmSync(userDataDir, { recursive: true, force: true });
  await sleep(1000);
  if (job.exitCode === null) job.kill('SIGKILL');
  await new Promise((r) => (job.exitCode !== null || job.signalCode !== null ? r() : job.once('close', r)));
  rmSync(dir, { recursive: true, force: true });
}
