// Nexmark q9 as a job (see queries/q9.ts for what it computes): weir run examples/nexmark/q9.ts [--events N] [--output DIR] … (run.ts lists the options).
// Importing this file runs the job; import the query from ./queries/q9.ts to build it into another pipeline.

import { q9 } from './queries/q9.ts';
import { runQuery } from './run.ts';

export { q9 };
await runQuery(q9);
