// Nexmark q1 as a job (see queries/q1.ts for what it computes): weir run examples/nexmark/q1.ts [--events N] [--output DIR] … (run.ts lists the options).
// Importing this file runs the job; import the query from ./queries/q1.ts to build it into another pipeline.

import { q1 } from './queries/q1.ts';
import { runQuery } from './run.ts';

export { q1 };
await runQuery(q1);
