// Nexmark q16 as a job (see queries/q16.ts for what it computes): weir run examples/nexmark/q16.ts [--events N] [--output DIR] … (run.ts lists the options).
// Importing this file runs the job; import the query from ./queries/q16.ts to build it into another pipeline.

import { q16 } from './queries/q16.ts';
import { runQuery } from './run.ts';

export { q16 };
await runQuery(q16);
