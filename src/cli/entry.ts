// What the `weir` bundle exports: the CLI for the main thread and the worker entry for slot threads.

export { cliMain } from './main.ts';
export { workerMain } from '../runtime/worker-main.ts';
export { clusterJobMain } from '../cluster/job-main.ts';
