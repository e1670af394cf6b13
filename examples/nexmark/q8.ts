// Nexmark q8 as a job (see queries/q8.ts for what it computes): weir run examples/nexmark/q8.ts [--events N] [--output DIR] … (run.ts lists the options).
// Importing this file runs the job; import the query from ./queries/q8.ts to build it into another pipeline.

import { q8 } from './queries/q8.ts';
import { runQuery } from './run.ts';

export { q8 };
await runQuery(q8);
