// The job graph: laid out once per shape by elkjs (layered, left to right), drawn as SVG, refreshed in place.
//
// One box per job-graph vertex (name, parallelism, records/s in and out, output watermark, busy and
// back-pressure), one edge per input with its ship strategy. Fill colour as in Flink's web UI: blue when idle,
// red when busy, darkened towards black by the share of back-pressured time; a vertex whose back-pressure
// level is not OK also gets a dashed amber outline and says so in words (colour is never the only signal).
// Layout runs only when the graph's shape changes (vertices, edges, names, parallelism): metrics updates
// rewrite text and colours and never move a box.

import * as fmt from './format.js';

const SVG = 'http://www.w3.org/2000/svg';
const BOX_W = 270;
const BOX_H = 112;
const NAME_CHARS = 36;

const IDLE = [38, 98, 168];
const BUSY = [192, 38, 38];
const BACKPRESSURED = [28, 28, 28];

function mix(a, b, t) {
  const k = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0));
  return a.map((x, i) => Math.round(x + (b[i] - x) * k));
}

/** The fill of a vertex from its busy and back-pressure ratios (0..1). */
export function vertexColour(busy, backpressure) {
  const [r, g, b] = mix(mix(IDLE, BUSY, busy), BACKPRESSURED, backpressure);
  return `rgb(${r}, ${g}, ${b})`;
}

function el(name, attrs = {}, text) {
  const node = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

function shorten(s, n) {
  return s.length <= n ? s : `${s.slice(0, n - 1)}…`;
}

/** The vertices and edges to draw, from `/jobs/:id` (plan for the edges, vertices for names and metrics). */
function shapeOf(job) {
  const byId = new Map((job.vertices ?? []).map((v) => [String(v.id), v]));
  const nodes = (job.plan?.nodes ?? []).map((n) => ({
    id: String(n.id),
    name: byId.get(String(n.id))?.name ?? n.description ?? `vertex ${n.id}`,
    parallelism: byId.get(String(n.id))?.parallelism ?? n.parallelism,
    inputs: (n.inputs ?? []).map((i) => ({ from: String(i.id), strategy: i.ship_strategy ?? '' })),
  }));
  // A plan-less answer still shows its vertices (no edges).
  if (nodes.length === 0) {
    for (const v of job.vertices ?? []) nodes.push({ id: String(v.id), name: v.name, parallelism: v.parallelism, inputs: [] });
  }
  return nodes;
}

export class JobGraphView {
  #container;
  #onSelect;
  #svg = null;
  #shapeKey = '';
  #boxes = new Map();
  #layoutRun = 0;
  #selected = null;
  #lastJob = null;

  /** `onSelect(vertexId)` is called when a vertex is clicked or activated by the keyboard. */
  constructor(container, onSelect) {
    this.#container = container;
    this.#onSelect = onSelect;
  }

  /** Draws or refreshes the graph of a `/jobs/:id` answer. Resolves once what is on screen matches it. */
  async update(job) {
    this.#lastJob = job;
    const nodes = shapeOf(job);
    const key = JSON.stringify(nodes);
    if (key !== this.#shapeKey || this.#svg === null) {
      const run = ++this.#layoutRun;
      const layout = await layoutOf(nodes);
      if (run !== this.#layoutRun) return; // a newer shape is being laid out
      this.#shapeKey = key;
      this.#draw(nodes, layout);
    }
    this.#refresh(this.#lastJob);
  }

  select(vertexId) {
    this.#selected = vertexId === null ? null : String(vertexId);
    for (const [id, box] of this.#boxes) {
      box.group.classList.toggle('selected', id === this.#selected);
      box.group.setAttribute('aria-pressed', id === this.#selected ? 'true' : 'false');
    }
  }

  clear() {
    this.#container.replaceChildren();
    this.#svg = null;
    this.#shapeKey = '';
    this.#boxes.clear();
  }

  #draw(nodes, layout) {
    const pad = 16;
    const width = Math.ceil(layout.width ?? 0) + 2 * pad;
    const height = Math.ceil(layout.height ?? 0) + 2 * pad;
    const svg = el('svg', { width, height, viewBox: `${-pad} ${-pad} ${width} ${height}`, role: 'group', 'aria-label': 'Job graph', class: 'job-graph' });
    const defs = el('defs');
    const marker = el('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 10, refY: 5, markerWidth: 8, markerHeight: 8, orient: 'auto-start-reverse' });
    marker.append(el('path', { d: 'M 0 0 L 10 5 L 0 10 z', class: 'edge-head' }));
    defs.append(marker);
    svg.append(defs);

    const edges = el('g', { class: 'edges' });
    for (const edge of layout.edges ?? []) {
      for (const s of edge.sections ?? []) {
        const points = [s.startPoint, ...(s.bendPoints ?? []), s.endPoint];
        const d = points.map((p, i) => `${i === 0 ? 'M' : 'L'} ${p.x} ${p.y}`).join(' ');
        edges.append(el('path', { d, class: 'edge', 'marker-end': 'url(#arrow)', 'data-edge': edge.id }));
      }
      for (const label of edge.labels ?? []) {
        const g = el('g', { class: 'edge-label', transform: `translate(${label.x}, ${label.y})` });
        g.append(el('rect', { width: label.width, height: label.height, rx: 3 }));
        g.append(el('text', { x: label.width / 2, y: label.height / 2 + 4, 'text-anchor': 'middle' }, label.text));
        edges.append(g);
      }
    }
    svg.append(edges);

    this.#boxes.clear();
    const boxes = el('g', { class: 'vertices' });
    const placed = new Map((layout.children ?? []).map((c) => [c.id, c]));
    for (const node of nodes) {
      const p = placed.get(`v${node.id}`);
      if (!p) continue;
      const g = el('g', {
        class: 'vertex', transform: `translate(${p.x}, ${p.y})`, tabindex: 0, role: 'button',
        'aria-label': `Vertex ${node.name}`, 'aria-pressed': 'false', 'data-vertex-id': node.id, 'data-vertex-name': node.name,
      });
      g.append(el('title', {}, node.name));
      const rect = el('rect', { class: 'vertex-box', width: BOX_W, height: BOX_H, rx: 6 });
      const name = el('text', { class: 'v-name', x: 10, y: 20 }, shorten(node.name, NAME_CHARS));
      const par = el('text', { class: 'v-parallelism', x: 10, y: 39 }, `Parallelism ${node.parallelism}`);
      const rates = el('text', { class: 'v-rates', x: 10, y: 58 });
      const wm = el('text', { class: 'v-watermark', x: 10, y: 77 });
      const load = el('text', { class: 'v-load', x: 10, y: 96 });
      g.append(rect, name, par, rates, wm, load);
      const activate = () => this.#onSelect(node.id);
      g.addEventListener('click', activate);
      g.addEventListener('keydown', (e) => {
        if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); activate(); }
      });
      boxes.append(g);
      this.#boxes.set(node.id, { group: g, rect, rates, wm, load });
    }
    svg.append(boxes);
    this.#container.replaceChildren(svg);
    this.#svg = svg;
    this.select(this.#selected);
  }

  #refresh(job) {
    for (const v of job.vertices ?? []) {
      const box = this.#boxes.get(String(v.id));
      if (!box) continue;
      const m = v.metrics ?? {};
      const busy = m['busy-ratio'] ?? 0;
      const bp = m['backpressure-ratio'] ?? 0;
      const level = String(m['backpressure-level'] ?? 'ok').toLowerCase();
      box.rect.style.fill = vertexColour(busy, bp);
      box.group.dataset.backpressure = level;
      box.group.dataset.status = v.status ?? '';
      box.rates.textContent = `Records/s in ${fmt.rate(m['records-in-per-second'])} · out ${fmt.rate(m['records-out-per-second'])}`;
      box.rates.dataset.in = String(m['records-in-per-second'] ?? '');
      box.rates.dataset.out = String(m['records-out-per-second'] ?? '');
      box.wm.textContent = `Watermark ${fmt.watermark(m['current-output-watermark'])}`;
      box.load.textContent = `Busy ${fmt.percent(busy)} · Back-pressure ${level.toUpperCase()} ${fmt.percent(bp)}`;
    }
  }
}

let elk = null;

/** Positions from elkjs (global `ELK` from /vendor/elk.bundled.js). Boxes are named `v<id>` there. */
async function layoutOf(nodes) {
  if (elk === null) elk = new window.ELK();
  const ids = new Set(nodes.map((n) => n.id));
  const edges = [];
  for (const n of nodes) {
    n.inputs.forEach((input, i) => {
      if (!ids.has(input.from)) return;
      const text = input.strategy;
      edges.push({
        id: `e${input.from}-${n.id}-${i}`, sources: [`v${input.from}`], targets: [`v${n.id}`],
        labels: text ? [{ text, width: 8 + 7.5 * text.length, height: 18 }] : [],
      });
    });
  }
  return elk.layout({
    id: 'root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'RIGHT',
      'elk.edgeRouting': 'POLYLINE',
      'elk.layered.spacing.nodeNodeBetweenLayers': '90',
      'elk.spacing.nodeNode': '36',
      'elk.spacing.edgeLabel': '4',
      'elk.edgeLabels.placement': 'CENTER',
    },
    children: nodes.map((n) => ({ id: `v${n.id}`, width: BOX_W, height: BOX_H })),
    edges,
  });
}
