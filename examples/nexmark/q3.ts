// Nexmark q3 as a job (see queries/q3.ts for what it computes): weir run examples/nexmark/q3.ts [--events N] [--output DIR] … (run.ts lists the options).
// Importing this file runs the job; import the query from ./queries/q3.ts to build it into another pipeline.

import { q3 } from './queries/q3.ts';
import { runQuery } from './run.ts';

export { q3 };
await runQuery(q3);
