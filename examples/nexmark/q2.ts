// Nexmark q2 as a job (see queries/q2.ts for what it computes): weir run examples/nexmark/q2.ts [--events N] [--output DIR] … (run.ts lists the options).
// Importing this file runs the job; import the query from ./queries/q2.ts to build it into another pipeline.

import { q2 } from './queries/q2.ts';
import { runQuery } from './run.ts';

export { q2 };
await runQuery(q2);
