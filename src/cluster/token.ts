// The cluster's shared secret: from --token-file or WEIR_CLUSTER_TOKEN; it authenticates, it never travels.

import { readFileSync, statSync } from 'node:fs';
import { ConfigError } from '../core/errors.ts';

export const TOKEN_ENV = 'WEIR_CLUSTER_TOKEN';
const MIN_TOKEN_CHARS = 16;

/** Reads the token: the file wins over the environment variable; a short or missing token is a configuration error naming both. */
export function loadClusterToken(tokenFile: string | undefined, env: NodeJS.ProcessEnv = process.env): Buffer {
  let token: string;
  let from: string;
  if (tokenFile !== undefined) {
    try {
      if (!statSync(tokenFile).isFile()) throw new ConfigError(`--token-file ${tokenFile} is not a file`);
      token = readFileSync(tokenFile, 'utf8').trim();
    } catch (e) {
      if (e instanceof ConfigError) throw e;
      throw new ConfigError(`cannot read the cluster token from --token-file ${tokenFile}: ${(e as Error).message}`, e);
    }
    from = `--token-file ${tokenFile}`;
  } else if (env[TOKEN_ENV] !== undefined) {
    token = env[TOKEN_ENV]!.trim();
    from = TOKEN_ENV;
  } else {
    throw new ConfigError(`cluster mode needs the shared cluster token: set ${TOKEN_ENV} or pass --token-file <file> (the same on the JobManager, every TaskManager and every client)`);
  }
  if (token.length < MIN_TOKEN_CHARS) throw new ConfigError(`the cluster token from ${from} is too short: at least ${MIN_TOKEN_CHARS} characters (e.g. openssl rand -hex 32)`);
  return Buffer.from(token, 'utf8');
}
