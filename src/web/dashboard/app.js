// The dashboard's main module: which job and vertex are shown (the URL hash), the polling loop, and the
// rendering of every section from the REST answers (contract: /work/rest-contract.md, docs/dashboard.md).
//
// Routes: `#/` the job list (opened straight into the job when there is exactly one), `#/jobs/<jid>`, and
// `#/jobs/<jid>/vertices/<vid>` with a vertex's details open. One poll at a time, every `refresh-interval`
// of `/config`; a poll that fails shows the error in the header and the next one tries again.
// What moves every second (the job with its metrics, checkpoints, the open vertex) is read at every poll; what
// rarely changes (overview, job list, TaskManagers, exceptions) every SLOW_MS, and at once after a route change,
// an action, or when the job's state or restart count changed — so an open page costs the JobManager little.

import { enc, get } from './api.js';
import { enableActions, wireActions } from './actions.js';
import { VertexChart } from './chart.js';
import { byId, h, renderIfChanged } from './dom.js';
import * as fmt from './format.js';
import { JobGraphView } from './graph.js';

const SLOW_MS = 5000;

const state = {
  refreshMs: 1000,
  lastSlowAt: 0, // when the slow-changing parts were last read (0: read them at the next poll)
  slow: null, // their last answers: { overview, jobs, tms, exceptions }
  jobs: [],
  job: null, // the last /jobs/:id answer of the job shown
  route: { jobId: null, vertexId: null },
  userChoseList: false,
};

const graph = new JobGraphView(byId('graph'), (vid) => navigate(state.route.jobId, vid));
const chart = new VertexChart(byId('vertex-chart'));

function parseRoute() {
  const m = /^#\/jobs\/([^/]+)(?:\/vertices\/([^/]+))?/.exec(window.location.hash);
  return m ? { jobId: decodeURIComponent(m[1]), vertexId: m[2] === undefined ? null : decodeURIComponent(m[2]) } : { jobId: null, vertexId: null };
}

function navigate(jobId, vertexId = null) {
  const hash = jobId === null ? '#/' : `#/jobs/${enc(jobId)}${vertexId === null ? '' : `/vertices/${enc(vertexId)}`}`;
  if (window.location.hash !== hash) window.location.hash = hash; // hashchange re-renders
}

function onRoute() {
  const next = parseRoute();
  const jobChanged = next.jobId !== state.route.jobId;
  const vertexChanged = next.vertexId !== state.route.vertexId;
  state.route = next;
  if (next.jobId === null && window.location.hash === '#/') state.userChoseList = true;
  if (jobChanged) {
    state.job = null;
    graph.clear();
    byId('action-result').textContent = '';
    for (const id of ['checkpoints-table', 'subtasks-table']) delete byId(id).tBodies[0].dataset.renderKey;
    delete byId('exceptions').dataset.renderKey;
  }
  if (jobChanged || vertexChanged) {
    chart.destroy();
    delete byId('subtasks-table').tBodies[0].dataset.renderKey;
    graph.select(next.vertexId);
  }
  byId('job-section').hidden = next.jobId === null;
  byId('vertex-section').hidden = next.vertexId === null;
  if (jobChanged) state.lastSlowAt = 0;
  schedule(0);
}

// ---- polling ---------------------------------------------------------------------------------------------

let timer = null;
let polling = false;
let again = false;

function schedule(ms) {
  if (polling) { again = true; return; }
  if (timer !== null) clearTimeout(timer);
  timer = setTimeout(poll, ms);
}

async function poll() {
  timer = null;
  polling = true;
  try {
    await refresh();
    setConnection(null);
  } catch (e) {
    setConnection(e);
  } finally {
    polling = false;
    const soon = again;
    again = false;
    schedule(soon ? 0 : state.refreshMs);
  }
}

function setConnection(error) {
  const node = byId('connection');
  node.textContent = error === null ? `live · every ${fmt.duration(state.refreshMs)}` : `not updated: ${error.message}`;
  node.dataset.kind = error === null ? 'ok' : 'error';
}

async function refresh() {
  const { jobId, vertexId } = state.route;
  const base = jobId === null ? null : `/jobs/${enc(jobId)}`;
  const vbase = base === null || vertexId === null ? null : `${base}/vertices/${enc(vertexId)}`;
  const slowDue = jobId === null || state.slow === null || Date.now() - state.lastSlowAt >= SLOW_MS;
  // The job's own requests fail together (e.g. 404 for a job id that is not known): shown in the job's section,
  // while the cluster-wide parts of the page stay live.
  const jobPart = base === null ? Promise.resolve(null) : Promise.all([
    get(base),
    get(`${base}/checkpoints`),
    vbase && get(vbase),
    vbase && get(`${vbase}/metrics-history`),
    vbase && get(`${vbase}/backpressure`).catch(() => null),
  ]).catch((error) => ({ error }));
  const slowPart = slowDue ? Promise.all([get('/overview'), get('/jobs/overview'), get('/taskmanagers')]) : null;
  const [slow, jobAnswers] = await Promise.all([slowPart, jobPart]);
  if (jobId !== state.route.jobId || vertexId !== state.route.vertexId) { again = true; return; } // route moved meanwhile
  if (slow) {
    const [overview, jobs, tms] = slow;
    state.slow = { ...state.slow, overview, jobs, tms };
    state.lastSlowAt = Date.now();
    renderOverview(overview);
    renderJobs(jobs.jobs ?? []);
    renderTaskManagers(tms.taskmanagers ?? []);
  }
  const jobError = byId('job-error');
  const failed = jobAnswers !== null && !Array.isArray(jobAnswers);
  jobError.hidden = !failed;
  byId('job-body').hidden = failed;
  if (failed) {
    jobError.textContent = `Job ${jobId}: ${jobAnswers.error.message}`;
    byId('jobs-section').hidden = false; // to pick another one
    enableActions(null);
    return;
  }
  if (jobAnswers === null) return;
  const [job, checkpoints, vertex, history, backpressure] = jobAnswers;
  const previous = state.job;
  state.job = job;
  // A new state or a restart: the job list, slots and exceptions changed too — read them now, not in 5 s.
  const changed = previous !== null && previous.jid === job.jid && (previous.state !== job.state || previous.restarts !== job.restarts);
  if (slowDue || changed || state.slow?.exceptionsOf !== job.jid) {
    const exceptions = await get(`${base}/exceptions`);
    if (jobId !== state.route.jobId) { again = true; return; }
    state.slow = { ...state.slow, exceptions, exceptionsOf: job.jid };
    renderExceptions(exceptions);
  }
  if (changed) { state.lastSlowAt = 0; again = true; }
  renderJob(job);
  await graph.update(job);
  renderCheckpoints(checkpoints);
  if (vertex) renderVertex(vertex, history, backpressure);
}

// ---- sections --------------------------------------------------------------------------------------------

function renderOverview(o) {
  byId('version').textContent = o['weir-version'] ? `v${o['weir-version']}` : '';
  const items = [
    ['TaskManagers', fmt.count(o.taskmanagers)],
    ['Slots free', `${fmt.count(o['slots-available'])} / ${fmt.count(o['slots-total'])}`],
    ['Running', fmt.count(o['jobs-running'])],
    ['Finished', fmt.count(o['jobs-finished'])],
    ['Cancelled', fmt.count(o['jobs-cancelled'])],
    ['Failed', fmt.count(o['jobs-failed'])],
  ];
  renderIfChanged(byId('overview'), JSON.stringify(items), () => items.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
}

function stateBadge(s) {
  return h('span', { class: `state state-${String(s).toLowerCase()}` }, s);
}

function renderJobs(jobs) {
  state.jobs = jobs;
  // One job and nobody asked for the list: show the job itself.
  if (state.route.jobId === null && jobs.length === 1 && !state.userChoseList) navigate(jobs[0].jid);
  const showList = state.route.jobId === null || jobs.length > 1;
  byId('jobs-section').hidden = !showList;
  byId('jobs-empty').hidden = jobs.length > 0;
  const sorted = [...jobs].sort((a, b) => (b['start-time'] ?? 0) - (a['start-time'] ?? 0));
  const key = JSON.stringify([state.route.jobId, sorted.map((j) => [j.jid, j.name, j.state, j['start-time'], Math.floor((j.duration ?? 0) / 1000)])]);
  renderIfChanged(byId('jobs-table').tBodies[0], key, () => sorted.map((j) => h('tr', { class: j.jid === state.route.jobId ? 'current' : undefined, dataset: { jobId: j.jid } },
    h('td', {}, h('a', { href: `#/jobs/${enc(j.jid)}` }, j.name)),
    h('td', {}, stateBadge(j.state)),
    h('td', {}, fmt.time(j['start-time'])),
    h('td', {}, fmt.duration(j.duration)),
    h('td', { class: 'mono' }, j.jid),
  )));
}

function renderJob(job) {
  byId('job-name').textContent = job.name;
  const badge = byId('job-state');
  badge.textContent = job.state;
  badge.className = `state state-${String(job.state).toLowerCase()}`;
  const parts = [
    `id ${job.jid}`,
    `started ${fmt.time(job['start-time'])}`,
    `running for ${fmt.duration(job.duration)}`,
    job['runtime-mode'] ? `${String(job['runtime-mode']).toLowerCase()} mode` : null,
    `restarts ${fmt.count(job.restarts ?? 0)}`,
  ].filter(Boolean);
  byId('job-meta').textContent = parts.join(' · ');
  document.title = `${job.name} · Weir`;
  enableActions(job.state);
}

function renderCheckpoints(c) {
  const counts = c.counts ?? {};
  const summary = c.summary ?? {};
  const latestSp = c.latest?.savepoint;
  const restored = c.latest?.restored;
  byId('checkpoint-summary').textContent = [
    `completed ${fmt.count(counts.completed)}`,
    `in progress ${fmt.count(counts.in_progress)}`,
    `failed ${fmt.count(counts.failed)}`,
    `restored ${fmt.count(counts.restored)}`,
    counts.completed > 0 && summary.end_to_end_duration ? `duration avg ${fmt.duration(summary.end_to_end_duration.avg)} (max ${fmt.duration(summary.end_to_end_duration.max)})` : null,
    counts.completed > 0 && summary.state_size ? `state avg ${fmt.bytes(summary.state_size.avg)}` : null,
    latestSp ? `latest savepoint ${latestSp.external_path ?? `#${latestSp.id}`}` : null,
    restored ? `restored from ${restored.is_savepoint ? 'savepoint' : 'checkpoint'} ${restored.external_path ?? `#${restored.id}`}` : null,
  ].filter(Boolean).join(' · ');
  const history = c.history ?? [];
  byId('checkpoints-empty').hidden = history.length > 0;
  renderIfChanged(byId('checkpoints-table').tBodies[0], JSON.stringify(history), () => history.map((e) => {
    const type = e.checkpoint_type ?? (e.is_savepoint ? 'SAVEPOINT' : 'CHECKPOINT');
    const detail = e.status === 'FAILED' ? (e.failure_message ?? '') : (e.external_path ?? '');
    return h('tr', { dataset: { checkpointId: String(e.id), type, status: e.status } },
      h('td', {}, String(e.id)),
      h('td', {}, stateBadge(e.status)),
      h('td', {}, type === 'SAVEPOINT' ? 'Savepoint' : 'Checkpoint'),
      h('td', {}, fmt.time(e.trigger_timestamp)),
      h('td', {}, fmt.duration(e.end_to_end_duration)),
      h('td', {}, fmt.bytes(e.state_size)),
      h('td', {}, fmt.duration(e.alignment_duration)),
      h('td', {}, `${fmt.count(e.num_acknowledged_subtasks)} / ${fmt.count(e.num_subtasks)}`),
      h('td', { class: 'mono ellipsis', title: detail || undefined }, detail),
    );
  }));
}

function renderExceptions(x) {
  const entries = x.exceptionHistory?.entries ?? [];
  renderIfChanged(byId('exceptions'), JSON.stringify([x['root-exception'], x.timestamp, entries]), () => {
    if (!x['root-exception'] && entries.length === 0) return [h('p', { class: 'empty' }, 'No exceptions.')];
    const out = [];
    if (x['root-exception']) {
      out.push(h('details', { class: 'exception root', open: true },
        h('summary', {}, `Root exception · ${fmt.time(x.timestamp)} · ${String(x['root-exception']).split('\n')[0]}`),
        h('pre', {}, x['root-exception'])));
    }
    for (const e of entries) {
      out.push(h('details', { class: 'exception' },
        h('summary', {}, `${fmt.time(e.timestamp)} · ${e.exceptionName ?? 'Error'}${e.code ? ` (${e.code})` : ''} · ${e.taskName ?? '?'} #${e.subtask ?? '?'} attempt ${e.attempt ?? '?'}`),
        h('pre', {}, e.stacktrace ?? '')));
    }
    return out;
  });
}

function renderVertex(v, history, backpressure) {
  byId('vertex-title').textContent = `${v.name} · parallelism ${v.parallelism}`;
  chart.update(history?.points ?? [], v.parallelism);
  const levels = new Map((backpressure?.subtasks ?? []).map((s) => [s.subtask, s.backpressureLevel]));
  const rows = (v.subtasks ?? []).map((s) => {
    const m = s.metrics ?? {};
    return [s.subtask, s.status, s.attempt, fmt.count(m.numRecordsIn), fmt.count(m.numRecordsOut),
      fmt.rate(m.numRecordsInPerSecond), fmt.rate(m.numRecordsOutPerSecond), fmt.count(m.busyTimeMsPerSecond),
      fmt.count(m.backPressuredTimeMsPerSecond), fmt.count(m.idleTimeMsPerSecond),
      String(levels.get(s.subtask) ?? '–').toUpperCase(),
      fmt.watermark(m.currentInputWatermark), fmt.watermark(m.currentOutputWatermark), fmt.bytes(m.stateSize)];
  });
  renderIfChanged(byId('subtasks-table').tBodies[0], JSON.stringify(rows), () => rows.map((r) =>
    h('tr', { dataset: { subtask: String(r[0]) } }, ...r.map((c) => h('td', {}, c)))));
}

function renderTaskManagers(tms) {
  byId('taskmanagers-empty').hidden = tms.length > 0;
  const rows = tms.map((t) => [t.id, t.path, fmt.count(t.slotsNumber), fmt.count(t.freeSlots),
    `${fmt.duration(t.timeSinceLastHeartbeat)} ago`, fmt.count(t.hardware?.cpuCores), fmt.bytes(t.hardware?.physicalMemory)]);
  renderIfChanged(byId('taskmanagers-table').tBodies[0], JSON.stringify(rows), () => rows.map((r) =>
    h('tr', {}, ...r.map((c, i) => h('td', { class: i < 2 ? 'mono' : undefined }, c)))));
}

// ---- start -----------------------------------------------------------------------------------------------

async function start() {
  try {
    const config = await get('/config');
    const interval = Number(config['refresh-interval']);
    if (Number.isFinite(interval) && interval >= 100) state.refreshMs = interval;
    if (config['weir-version']) byId('version').textContent = `v${config['weir-version']}`;
  } catch (e) {
    setConnection(e);
  }
  byId('btn-close-vertex').addEventListener('click', () => navigate(state.route.jobId));
  wireActions(() => state.job, () => { state.lastSlowAt = 0; schedule(0); });
  window.addEventListener('hashchange', onRoute);
  onRoute();
}

start();
