// The dashboard in a real browser (Debian's chromium through playwright-core) against a real running job:
// `weir run test/web/dashboard-job.ts --web <port>` with checkpointing. Checks that the page draws the job's
// graph with the right vertices, that a records/s figure on it changes while the job runs, that a savepoint
// taken with the page's button appears (completed, with its path) in the page's checkpoint history and on
// disk, and that the Cancel button cancels the job. The job runs with a cluster token: the page gets it once
// from `?token=` (and drops it from the address bar); a page without it says the server refused it.
// Skips, saying why, when /usr/bin/chromium is missing.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { ROOT, removeDir, startWeir, tempDir, waitFor } from '../integration/helpers.ts';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
// The job graph of test/web/dashboard-job.ts: the source chained with its map, the keyed operator with the sink.
const VERTICES = ['Numbers -> Key by 16', 'Sequence -> Exactly-once file sink'];

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Polls `check` every 100 ms until it returns a value other than undefined; fails with `what` after `ms`. */
async function eventually<T>(what: string, ms: number, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms${last ? ` (last error: ${String(last)})` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function getJson(url: string, token: string): Promise<any> {
  const r = await fetch(url, { headers: { Authorization: `Bearer ${token}` } });
  if (!r.ok) throw new Error(`${url}: ${r.status}`);
  return r.json();
}

const skip = !existsSync(CHROMIUM)
  ? `${CHROMIUM} is missing (apt-get install chromium): the dashboard's browser test needs it`
  : !existsSync(join(ROOT, 'src', 'web', 'server.ts'))
    ? 'the REST server (src/web/server.ts, weir run --web) is not in this tree yet: nothing serves the dashboard'
    : false;

test('dashboard: graph, a live records/s figure, a savepoint from the page in the history, cancel', { skip, timeout: 180_000 }, async () => {
  const dir = tempDir('dashboard');
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const token = randomBytes(16).toString('hex');
  // --web-linger: the server outlives the cancelled job, so that the page can show how it ended.
  const job = startWeir(['run', 'test/web/dashboard-job.ts', '--web', String(port), '--web-linger', '60000', '--no-progress', '-p', '2',
    '--checkpoint-dir', join(dir, 'checkpoints'), '--checkpoint-interval', '1000', '--output', join(dir, 'out')],
  { WEIR_CLUSTER_TOKEN: token });
  let context: BrowserContext | undefined;
  const userDataDir = mkdtempSync(join(tmpdir(), 'weir-chromium-'));
  const pageErrors: string[] = [];
  try {
    const jid = await eventually('a RUNNING job on the REST server', 60_000, async () => {
      if (job.exitCode !== null) throw new Error(`weir exited early (${job.exitCode}):\n${job.out.stderr}`);
      const { jobs } = await getJson(`${base}/jobs`, token);
      return jobs.find((j: { status: string }) => j.status === 'RUNNING')?.id as string | undefined;
    });

    context = await chromium.launchPersistentContext(userDataDir, { executablePath: CHROMIUM, args: CHROMIUM_ARGS, viewport: { width: 1280, height: 1000 } });
    const page: Page = context.pages()[0] ?? await context.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
    // Without the token the server refuses the page's requests, and the page says so.
    await page.goto(`${base}/`);
    await eventually('the page saying it was refused', 30_000, async () => /401/.test((await page.locator('#connection').textContent()) ?? '') || undefined);
    assert.equal(await page.locator('svg.job-graph g.vertex').count(), 0);
    // With ?token= it works, and the token leaves the address bar.
    await page.goto(`${base}/?token=${token}`);

    // 1. The graph: one box per job-graph vertex, named as the job graph names them (and as the REST API does).
    const boxes = page.locator('svg.job-graph g.vertex');
    await eventually('two vertices drawn', 30_000, async () => (await boxes.count()) === VERTICES.length || undefined);
    const drawn = (await boxes.evaluateAll((gs) => gs.map((g) => g.getAttribute('data-vertex-name')))).sort();
    assert.deepEqual(drawn, [...VERTICES].sort());
    const rest = (await getJson(`${base}/jobs/${encodeURIComponent(jid)}`, token)).vertices.map((v: { name: string }) => v.name).sort();
    assert.deepEqual(drawn, rest);
    assert.equal(await page.locator('svg.job-graph path.edge').count(), 1, 'one edge, source → Sequence');
    assert.equal((await page.locator('svg.job-graph .edge-label text').textContent())?.trim(), 'HASH');
    assert.match(await page.locator('#job-state').textContent() ?? '', /RUNNING/);
    assert.ok(!page.url().includes(token), `the token is not left in the URL: ${page.url()}`);

    // 2. A records/s figure that changes without a reload: the Sequence vertex's input rate, read at every poll.
    const rates = page.getByRole('button', { name: `Vertex ${VERTICES[1]}` }).locator('.v-rates');
    const first = await rates.textContent();
    const changed = await eventually('the records/s figure of Sequence changing and non-zero', 30_000, async () => {
      const now = await rates.textContent();
      const value = Number(await rates.getAttribute('data-in'));
      return now !== first && value > 0 ? now : undefined;
    });
    assert.match(changed ?? '', /^Records\/s in [\d,.]+ · out [\d,.]+$/);

    // 3. A savepoint from the page's button (confirmed in the dialog) shows in the page's checkpoint history.
    await page.getByRole('button', { name: 'Take savepoint' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('button', { name: 'Take savepoint' }).click();
    const result = page.getByRole('status', { name: 'Action result' });
    let text = '';
    const location = await eventually('the savepoint completing on the page', 60_000, async () => {
      text = (await result.textContent()) ?? '';
      if (/failed/.test(text)) throw new Error(text);
      return /^Savepoint completed: (.+)$/.exec(text)?.[1];
    }).catch((e: Error) => { throw new Error(`${e.message}; the page said: "${text}"`); });
    assert.ok(existsSync(join(location, '_metadata')), `the savepoint at ${location} has its _metadata`);
    const row = page.locator(`#checkpoints-table tbody tr[data-type="SAVEPOINT"][data-status="COMPLETED"]`);
    await eventually('the savepoint in the checkpoint history table', 30_000, async () => (await row.count()) >= 1 || undefined);
    assert.equal((await row.first().locator('td').last().textContent())?.trim(), location);
    assert.equal((await row.first().locator('td').nth(2).textContent())?.trim(), 'Savepoint');

    // 4. Vertex details: clicking a box opens its subtasks and the chart.
    await page.getByRole('button', { name: `Vertex ${VERTICES[1]}` }).click();
    await eventually('two subtask rows', 30_000, async () => (await page.locator('#subtasks-table tbody tr').count()) === 2 || undefined);
    await eventually('the chart drawn', 30_000, async () => (await page.locator('#vertex-chart canvas').count()) > 0 || undefined);

    // 5. Cancel from the page: the job ends CANCELED and weir exits.
    await page.getByRole('button', { name: 'Cancel job' }).click();
    await dialog.getByRole('button', { name: 'Cancel job' }).click();
    await eventually('the job CANCELED on the page', 30_000, async () => /CANCELED/.test((await page.locator('#job-state').textContent()) ?? '') || undefined);
    assert.equal((await getJson(`${base}/jobs/${encodeURIComponent(jid)}`, token)).state, 'CANCELED');
    assert.ok(await page.getByRole('button', { name: 'Take savepoint' }).isDisabled(), 'no savepoint of a cancelled job');
    assert.deepEqual(pageErrors, [], 'no uncaught errors in the page');
  } finally {
    await context?.close().catch(() => {});
    removeDir(userDataDir);
    if (job.exitCode === null && job.signalCode === null) job.kill('SIGKILL');
    await waitFor(job, 30_000).catch(() => {});
    removeDir(dir);
  }
});
