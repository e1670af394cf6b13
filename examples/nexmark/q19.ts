// Nexmark q19 as a job (see queries/q19.ts for what it computes): weir run examples/nexmark/q19.ts [--events N] [--output DIR] … (run.ts lists the options).
// Importing this file runs the job; import the query from ./queries/q19.ts to build it into another pipeline.

import { q19 } from './queries/q19.ts';
import { runQuery } from './run.ts';

export { q19 };
await runQuery(q19);
