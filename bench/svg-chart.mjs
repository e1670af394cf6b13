// A tiny SVG line-chart writer for the benchmark pages (docs/images/*.svg): no dependency, deterministic output.
//
//   lineChart({ title, xLabel, yLabel, series: [{ name, points: [[x, y], ...], dash? }], xTicks?, yMin?, note? }) → string
//
// Linear axes; y starts at `yMin` (default 0) so ratios between lines read true; x ticks at the data's x values
// unless given. A range per point (`[x, y, low, high]`) is drawn as a vertical bar. Colours are fixed per series
// index so the same series keeps its colour across charts.

const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b'];
const W = 680;
const H = 380;
const M = { left: 72, right: 200, top: 44, bottom: 56 };

const esc = (s) => String(s).replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
const num = (x) => (Math.round(x * 10) / 10).toString();

/** Round tick step for a span: 1, 2 or 5 × 10^k, giving about `count` ticks. */
function niceStep(span, count) {
  const raw = span / count;
  const p = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (m * p >= raw) return m * p;
  return 10 * p;
}

function fmtTick(v) {
  const a = Math.abs(v);
  if (a >= 1e6) return `${+(v / 1e6).toFixed(2)}M`;
  if (a >= 1e3) return `${+(v / 1e3).toFixed(1)}k`;
  return `${+v.toFixed(2)}`;
}

export function lineChart({ title, xLabel, yLabel, series, xTicks, yMin = 0, note }) {
  const all = series.flatMap((s) => s.points);
  if (all.length === 0) throw new Error(`lineChart "${title}": no points`);
  const xs = all.map((p) => p[0]);
  const ys = all.flatMap((p) => [p[1], p[3] ?? p[1]]);
  let x0 = Math.min(...xs);
  let x1 = Math.max(...xs);
  if (x0 === x1) { x0 -= 1; x1 += 1; }
  const yTop = Math.max(...ys);
  const step = niceStep(Math.max(yTop - yMin, 1e-9), 5);
  const y1 = Math.ceil((yTop * 1.05) / step) * step;
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const sx = (x) => M.left + ((x - x0) / (x1 - x0)) * pw;
  const sy = (y) => M.top + ph - ((y - yMin) / (y1 - yMin)) * ph;
  const out = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="${W}" height="${H}" fill="#fff"/>`);
  out.push(`<text x="${W / 2}" y="22" text-anchor="middle" font-size="14" font-weight="bold">${esc(title)}</text>`);
  // Grid and y ticks.
  for (let v = yMin; v <= y1 + step / 1e6; v += step) {
    const y = num(sy(v));
    out.push(`<line x1="${M.left}" y1="${y}" x2="${M.left + pw}" y2="${y}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${M.left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${esc(fmtTick(v))}</text>`);
  }
  // X ticks.
  for (const v of xTicks ?? [...new Set(xs)].sort((a, b) => a - b)) {
    const x = num(sx(v));
    out.push(`<line x1="${x}" y1="${M.top + ph}" x2="${x}" y2="${M.top + ph + 5}" stroke="#333"/>`);
    out.push(`<text x="${x}" y="${M.top + ph + 18}" text-anchor="middle">${esc(fmtTick(v))}</text>`);
  }
  out.push(`<rect x="${M.left}" y="${M.top}" width="${pw}" height="${ph}" fill="none" stroke="#333"/>`);
  out.push(`<text x="${M.left + pw / 2}" y="${H - 14}" text-anchor="middle">${esc(xLabel)}</text>`);
  out.push(`<text transform="translate(18 ${M.top + ph / 2}) rotate(-90)" text-anchor="middle">${esc(yLabel)}</text>`);
  // Series: ranges, lines, points, legend.
  series.forEach((s, i) => {
    const colour = COLOURS[i % COLOURS.length];
    const pts = [...s.points].sort((a, b) => a[0] - b[0]);
    for (const p of pts) {
      if (p[2] === undefined || p[3] === undefined) continue;
      out.push(`<line x1="${num(sx(p[0]))}" y1="${num(sy(p[2]))}" x2="${num(sx(p[0]))}" y2="${num(sy(p[3]))}" stroke="${colour}" stroke-opacity="0.45" stroke-width="6"/>`);
    }
    const d = pts.map((p, k) => `${k === 0 ? 'M' : 'L'}${num(sx(p[0]))} ${num(sy(p[1]))}`).join(' ');
    out.push(`<path d="${d}" fill="none" stroke="${colour}" stroke-width="2"${s.dash ? ' stroke-dasharray="6 4"' : ''}/>`);
    for (const p of pts) out.push(`<circle cx="${num(sx(p[0]))}" cy="${num(sy(p[1]))}" r="3.5" fill="${colour}"/>`);
    const ly = M.top + 10 + i * 20;
    out.push(`<line x1="${M.left + pw + 14}" y1="${ly}" x2="${M.left + pw + 38}" y2="${ly}" stroke="${colour}" stroke-width="2"${s.dash ? ' stroke-dasharray="6 4"' : ''}/>`);
    out.push(`<text x="${M.left + pw + 44}" y="${ly}" dominant-baseline="middle">${esc(s.name)}</text>`);
  });
  if (note) out.push(`<text x="${M.left + pw + 14}" y="${M.top + ph}" font-size="10" fill="#555">${note.split('\n').map((l, k) => `<tspan x="${M.left + pw + 14}" dy="${k === 0 ? 0 : 13}">${esc(l)}</tspan>`).join('')}</text>`);
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
