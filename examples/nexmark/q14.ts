// Nexmark q14 as a job (see queries/q14.ts for what it computes): weir run examples/nexmark/q14.ts [--events N] [--output DIR] … (run.ts lists the options).
// Importing this file runs the job; import the query from ./queries/q14.ts to build it into another pipeline.

import { q14 } from './queries/q14.ts';
import { runQuery } from './run.ts';

export { q14 };
await runQuery(q14);
