// The job's buttons: take a savepoint, stop with a savepoint, cancel. Each asks for confirmation in a <dialog>,
// sends the REST call, then follows the asynchronous operation (`/jobs/:id/savepoints/:triggerId`) to its end
// and says how it ended in the page's status line.

import { enc, get, patch, post } from './api.js';
import { byId } from './dom.js';

const POLL_MS = 500;
const GIVE_UP_MS = 10 * 60_000;

/** Opens the dialog; resolves with `{ dir, drain }` on Confirm, null on Back/Escape. */
function confirmAction({ title, text, askDir, askDrain, okLabel, danger }) {
  const dialog = byId('confirm-dialog');
  byId('confirm-title').textContent = title;
  byId('confirm-text').textContent = text;
  byId('confirm-dir-row').hidden = !askDir;
  byId('confirm-drain-row').hidden = !askDrain;
  byId('confirm-dir').value = '';
  byId('confirm-drain').checked = false;
  byId('confirm-ok').textContent = okLabel;
  byId('confirm-ok').classList.toggle('danger', danger === true);
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => {
      if (dialog.returnValue !== 'confirm') { resolve(null); return; }
      resolve({ dir: byId('confirm-dir').value.trim(), drain: byId('confirm-drain').checked });
    }, { once: true });
    dialog.returnValue = '';
    dialog.showModal();
  });
}

function say(text, kind) {
  const node = byId('action-result');
  node.textContent = text;
  node.dataset.kind = kind;
}

/** Polls an asynchronous savepoint operation until it completes; returns its final answer. */
async function follow(jobId, triggerId) {
  const deadline = Date.now() + GIVE_UP_MS;
  for (;;) {
    const answer = await get(`/jobs/${enc(jobId)}/savepoints/${enc(triggerId)}`);
    if (answer.status?.id === 'COMPLETED') return answer;
    if (Date.now() > deadline) throw new Error(`savepoint ${triggerId} still in progress after ${GIVE_UP_MS / 60_000} min`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

function outcome(what, answer) {
  const op = answer.operation ?? {};
  if (op['failure-cause']) {
    const cause = op['failure-cause'];
    const firstLine = String(cause['stack-trace'] ?? cause.class ?? 'unknown failure').split('\n')[0];
    say(`${what} failed: ${firstLine}`, 'error');
    return;
  }
  say(`${what} completed: ${op.location ?? '(no location)'}`, 'ok');
}

/** Wires the three buttons. `current()` gives the job shown now ({ jid, name, state }); `changed()` asks for a refresh. */
export function wireActions(current, changed) {
  const run = async (button, what, act) => {
    const job = current();
    if (!job) return;
    button.disabled = true;
    button.dataset.busy = 'true';
    try {
      await act(job);
    } catch (e) {
      say(`${what} failed: ${e instanceof Error ? e.message : String(e)}`, 'error');
    } finally {
      delete button.dataset.busy;
      button.disabled = false;
      changed();
    }
  };

  byId('btn-savepoint').addEventListener('click', (e) => run(e.currentTarget, 'Savepoint', async (job) => {
    const answer = await confirmAction({ title: 'Take a savepoint', text: `Take a savepoint of job “${job.name}”? The job keeps running.`, askDir: true, okLabel: 'Take savepoint' });
    if (answer === null) return;
    const body = answer.dir ? { 'target-directory': answer.dir, 'cancel-job': false } : { 'cancel-job': false };
    const { 'request-id': trigger } = await post(`/jobs/${enc(job.jid)}/savepoints`, body);
    say(`Savepoint ${trigger} in progress…`, 'pending');
    changed();
    outcome('Savepoint', await follow(job.jid, trigger));
  }));

  byId('btn-stop').addEventListener('click', (e) => run(e.currentTarget, 'Stop', async (job) => {
    const answer = await confirmAction({ title: 'Stop with a savepoint', text: `Stop job “${job.name}” after taking a savepoint? It can be resumed from that savepoint.`, askDir: true, askDrain: true, okLabel: 'Stop job' });
    if (answer === null) return;
    const body = answer.dir ? { targetDirectory: answer.dir, drain: answer.drain } : { drain: answer.drain };
    const { 'request-id': trigger } = await post(`/jobs/${enc(job.jid)}/stop`, body);
    say(`Stopping: savepoint ${trigger} in progress…`, 'pending');
    changed();
    let result;
    try {
      result = await follow(job.jid, trigger);
    } catch (e) {
      // `weir run --web` ends with its job: the server may be gone before the page asked for the result.
      if (e instanceof TypeError) { say(`Stop requested (savepoint ${trigger}); the server went away before reporting the result, as a local run ends with its job.`, 'pending'); return; }
      throw e;
    }
    outcome('Stop with savepoint', result);
  }));

  byId('btn-cancel').addEventListener('click', (e) => run(e.currentTarget, 'Cancel', async (job) => {
    const answer = await confirmAction({ title: 'Cancel the job', text: `Cancel job “${job.name}”? No savepoint is taken; it stops at once.`, okLabel: 'Cancel job', danger: true });
    if (answer === null) return;
    await patch(`/jobs/${enc(job.jid)}?mode=cancel`);
    say('Cancel requested.', 'ok');
  }));
}

/** The buttons apply to a running job only. */
export function enableActions(state) {
  const running = state === 'RUNNING';
  for (const id of ['btn-savepoint', 'btn-stop', 'btn-cancel']) {
    const b = byId(id);
    if (!b.matches('[data-busy]')) b.disabled = !running;
  }
}
