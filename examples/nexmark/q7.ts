// Nexmark q7 as a job (see queries/q7.ts for what it computes): weir run examples/nexmark/q7.ts [--events N] [--output DIR] … (run.ts lists the options).
// Importing this file runs the job; import the query from ./queries/q7.ts to build it into another pipeline.

import { q7 } from './queries/q7.ts';
import { runQuery } from './run.ts';

export { q7 };
await runQuery(q7);
