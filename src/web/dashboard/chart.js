// The small time-series chart of a vertex (uPlot, global `uPlot` from /vendor/uPlot.iife.min.js):
// records in/out per second on the left axis, busy and back-pressured ms per second on the right,
// from `/jobs/:id/vertices/:vid/metrics-history`. Both are sums over the vertex's subtasks, so the ms axis
// runs to 1000 × parallelism (every subtask busy all the time).

export class VertexChart {
  #container;
  #plot = null;
  #resize = null;
  #parallelism = 1;

  constructor(container) {
    this.#container = container;
  }

  /** Shows `points` of a metrics-history answer of a vertex of this parallelism; creates the plot on first use. */
  update(points, parallelism) {
    const p = Number.isInteger(parallelism) && parallelism > 0 ? parallelism : 1;
    if (this.#plot !== null && p !== this.#parallelism) this.destroy();
    this.#parallelism = p;
    const t = [];
    const inRate = [];
    const outRate = [];
    const busy = [];
    const bp = [];
    for (const p of points ?? []) {
      t.push(p.t / 1000); // uPlot's time scale is in seconds
      inRate.push(p.numRecordsInPerSecond ?? null);
      outRate.push(p.numRecordsOutPerSecond ?? null);
      busy.push(p.busyTimeMsPerSecond ?? null);
      bp.push(p.backPressuredTimeMsPerSecond ?? null);
    }
    const data = [t, inRate, outRate, busy, bp];
    if (this.#plot === null) this.#create(data);
    else this.#plot.setData(data);
    this.#container.dataset.points = String(t.length);
  }

  destroy() {
    if (this.#plot !== null) this.#plot.destroy();
    this.#plot = null;
    if (this.#resize !== null) window.removeEventListener('resize', this.#resize);
    this.#resize = null;
    this.#container.replaceChildren();
  }

  #width() {
    return Math.max(320, Math.min(900, this.#container.clientWidth || 600));
  }

  #create(data) {
    const opts = {
      width: this.#width(),
      height: 200,
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: true }, rate: { auto: true, range: (_u, min, max) => [0, Math.max(1, max * 1.1)] }, ms: { range: [0, 1000 * this.#parallelism] } },
      series: [
        {},
        { label: 'Records in/s', scale: 'rate', stroke: '#1f6fb2', width: 2 },
        { label: 'Records out/s', scale: 'rate', stroke: '#2f9e44', width: 2 },
        { label: 'Busy ms/s', scale: 'ms', stroke: '#c92a2a', width: 1, dash: [4, 3] },
        { label: 'Back-pressured ms/s', scale: 'ms', stroke: '#333', width: 1, dash: [2, 2] },
      ],
      axes: [
        {},
        { scale: 'rate', label: 'records/s', size: 60 },
        { scale: 'ms', side: 1, label: this.#parallelism > 1 ? `ms/s (sum of ${this.#parallelism} subtasks)` : 'ms/s', grid: { show: false }, size: 50 },
      ],
    };
    this.#container.replaceChildren();
    this.#plot = new window.uPlot(opts, data, this.#container);
    this.#resize = () => { if (this.#plot) this.#plot.setSize({ width: this.#width(), height: 200 }); };
    window.addEventListener('resize', this.#resize);
  }
}
