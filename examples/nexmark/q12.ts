// Nexmark q12 as a job (see queries/q12.ts for what it computes): weir run examples/nexmark/q12.ts [--events N] [--output DIR] … (run.ts lists the options).
// Importing this file runs the job; import the query from ./queries/q12.ts to build it into another pipeline.

import { q12 } from './queries/q12.ts';
import { runQuery } from './run.ts';

export { q12 };
await runQuery(q12);
