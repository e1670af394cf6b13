// Nexmark q4 as a job (see queries/q4.ts for what it computes): weir run examples/nexmark/q4.ts [--events N] [--output DIR] … (run.ts lists the options).
// Importing this file runs the job; import the query from ./queries/q4.ts to build it into another pipeline.

import { q4 } from './queries/q4.ts';
import { runQuery } from './run.ts';

export { q4 };
await runQuery(q4);
