// Nexmark q17 as a job (see queries/q17.ts for what it computes): weir run examples/nexmark/q17.ts [--events N] [--output DIR] … (run.ts lists the options).
// Importing this file runs the job; import the query from ./queries/q17.ts to build it into another pipeline.

import { q17 } from './queries/q17.ts';
import { runQuery } from './run.ts';

export { q17 };
await runQuery(q17);
