// Nexmark q18 as a job (see queries/q18.ts for what it computes): weir run examples/nexmark/q18.ts [--events N] [--output DIR] … (run.ts lists the options).
// Importing this file runs the job; import the query from ./queries/q18.ts to build it into another pipeline.

import { q18 } from './queries/q18.ts';
import { runQuery } from './run.ts';

export { q18 };
await runQuery(q18);
