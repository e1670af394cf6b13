// Nexmark q22 as a job (see queries/q22.ts for what it computes): weir run examples/nexmark/q22.ts [--events N] [--output DIR] … (run.ts lists the options).
// Importing this file runs the job; import the query from ./queries/q22.ts to build it into another pipeline.

import { q22 } from './queries/q22.ts';
import { runQuery } from './run.ts';

export { q22 };
await runQuery(q22);
