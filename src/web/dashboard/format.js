// Formatting of the figures the dashboard shows: counts, rates, bytes, durations, times, watermarks.

const nf = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const nf1 = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1, minimumFractionDigits: 1 });

export function count(n) {
  return typeof n === 'number' && Number.isFinite(n) ? nf.format(n) : '–';
}

/** Records per second: one decimal below 1,000 (so a slow job's rate visibly moves), whole numbers above. */
export function rate(n) {
  if (typeof n !== 'number' || !Number.isFinite(n)) return '–';
  return n < 1000 ? nf1.format(n) : nf.format(n);
}

export function percent(ratio) {
  return typeof ratio === 'number' && Number.isFinite(ratio) ? `${Math.round(ratio * 100)} %` : '–';
}

export function bytes(n) {
  if (typeof n !== 'number' || !Number.isFinite(n) || n < 0) return '–';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let u = 0;
  let v = n;
  while (v >= 1024 && u < units.length - 1) { v /= 1024; u++; }
  return u === 0 ? `${v} B` : `${v.toFixed(v < 10 ? 2 : 1)} ${units[u]}`;
}

export function duration(ms) {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(s < 10 ? 2 : 1)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${Math.floor(s % 60)}s`;
  const h = Math.floor(m / 60);
  return h < 24 ? `${h}h ${m % 60}m` : `${Math.floor(h / 24)}d ${h % 24}h`;
}

function pad(n, w = 2) { return String(n).padStart(w, '0'); }

/** A wall-clock time (epoch ms) as local `YYYY-MM-DD HH:MM:SS`; `–` for none (-1, 0, null). */
export function time(ms) {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms <= 0) return '–';
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/**
 * A watermark: "no watermark" while none arrived (null, ±Infinity, or Long.MIN_VALUE-like values as Flink reports);
 * an epoch-ms-looking value as a time of day with ms; any other event time (a job's own logical clock) as a number.
 */
export function watermark(w) {
  if (typeof w !== 'number' || !Number.isFinite(w) || w <= -9e15) return 'no watermark';
  if (w >= 9e15) return 'end of time';
  if (w > 1e11 && w < 1e14) {
    const d = new Date(w);
    return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
  }
  return nf.format(w);
}
