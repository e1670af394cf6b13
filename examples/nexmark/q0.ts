// Nexmark q0 as a job (see queries/q0.ts for what it computes): weir run examples/nexmark/q0.ts [--events N] [--output DIR] … (run.ts lists the options).
// Importing this file runs the job; import the query from ./queries/q0.ts to build it into another pipeline.

import { q0 } from './queries/q0.ts';
import { runQuery } from './run.ts';

export { q0 };
await runQuery(q0);
