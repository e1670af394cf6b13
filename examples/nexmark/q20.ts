// Nexmark q20 as a job (see queries/q20.ts for what it computes): weir run examples/nexmark/q20.ts [--events N] [--output DIR] … (run.ts lists the options).
// Importing this file runs the job; import the query from ./queries/q20.ts to build it into another pipeline.

import { q20 } from './queries/q20.ts';
import { runQuery } from './run.ts';

export { q20 };
await runQuery(q20);
