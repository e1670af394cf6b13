// Nexmark q15 as a job (see queries/q15.ts for what it computes): weir run examples/nexmark/q15.ts [--events N] [--output DIR] … (run.ts lists the options).
// Importing this file runs the job; import the query from ./queries/q15.ts to build it into another pipeline.

import { q15 } from './queries/q15.ts';
import { runQuery } from './run.ts';

export { q15 };
await runQuery(q15);
