// Nexmark q21 as a job (see queries/q21.ts for what it computes): weir run examples/nexmark/q21.ts [--events N] [--output DIR] … (run.ts lists the options).
// Importing this file runs the job; import the query from ./queries/q21.ts to build it into another pipeline.

import { q21 } from './queries/q21.ts';
import { runQuery } from './run.ts';

export { q21 };
await runQuery(q21);
