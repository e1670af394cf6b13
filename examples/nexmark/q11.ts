// Nexmark q11 as a job (see queries/q11.ts for what it computes): weir run examples/nexmark/q11.ts [--events N] [--output DIR] … (run.ts lists the options).
// Importing this file runs the job; import the query from ./queries/q11.ts to build it into another pipeline.

import { q11 } from './queries/q11.ts';
import { runQuery } from './run.ts';

export { q11 };
await runQuery(q11);
