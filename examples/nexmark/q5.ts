// Nexmark q5 as a job (see queries/q5.ts for what it computes): weir run examples/nexmark/q5.ts [--events N] [--output DIR] … (run.ts lists the options).
// Importing this file runs the job; import the query from ./queries/q5.ts to build it into another pipeline.

import { q5 } from './queries/q5.ts';
import { runQuery } from './run.ts';

export { q5 };
await runQuery(q5);
