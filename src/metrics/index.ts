// Metrics that explain a job: per-subtask figures from the tasks' reports, back-pressure levels, the Prometheus registry.

export { JobMetrics, type HistoryPoint, type SubtaskMetrics, type VertexMetrics } from './job-metrics.ts';
export { backPressureLevel, type BackPressureLevel } from './back-pressure.ts';
