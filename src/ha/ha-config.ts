// `--ha etcd --ha-endpoints …`: the HA settings every process role shares (JobManager, TaskManager, client), validated with the flag named.

import { ConfigError } from '../core/errors.ts';

export type HaConfig =
  | { readonly mode: 'none' }
  | {
      readonly mode: 'etcd';
      /** etcd client URLs (`http://host:port`). */
      readonly endpoints: readonly string[];
      /** Separates clusters sharing one etcd: keys live under `/weir/<clusterId>/`. */
      readonly clusterId: string;
      /** Leader lease TTL in seconds: how long a dead leader blocks its successor at most. */
      readonly leaseTtlSeconds: number;
    };

export const DEFAULT_LEASE_TTL_SECONDS = 10;

/** The flags, for each role's usage text. */
export const HA_FLAGS = [
  { name: 'ha', help: 'high availability: none (default) or etcd' },
  { name: 'ha-endpoints', help: 'etcd client URLs, comma-separated (http://127.0.0.1:2379)' },
  { name: 'ha-cluster-id', help: 'name of this cluster in etcd (default "default"; keys under /weir/<id>/)' },
  { name: 'ha-lease-ttl', help: `leader lease TTL in seconds (default ${DEFAULT_LEASE_TTL_SECONDS}); a dead leader is replaced within about this` },
] as const;

/** Reads the HA flags from already-split `--name value` pairs (`flag` names the command in messages). */
export function parseHaConfig(values: ReadonlyMap<string, string> | Record<string, string | undefined>, command: string): HaConfig {
  const get = (name: string): string | undefined => (values instanceof Map ? values.get(name) : (values as Record<string, string | undefined>)[name]);
  const mode = get('ha') ?? 'none';
  if (mode === 'none') {
    for (const f of ['ha-endpoints', 'ha-cluster-id', 'ha-lease-ttl']) {
      if (get(f) !== undefined) throw new ConfigError(`${command}: --${f} needs --ha etcd`);
    }
    return { mode: 'none' };
  }
  if (mode !== 'etcd') throw new ConfigError(`${command}: --ha must be none or etcd, got "${mode}"`);
  const raw = get('ha-endpoints');
  if (raw === undefined || raw.trim() === '') throw new ConfigError(`${command}: --ha etcd needs --ha-endpoints (etcd client URLs, e.g. http://127.0.0.1:2379)`);
  const endpoints = raw.split(',').map((e) => e.trim()).filter((e) => e !== '');
  for (const e of endpoints) {
    let url: URL;
    try {
      url = new URL(e);
    } catch {
      throw new ConfigError(`${command}: --ha-endpoints: "${e}" is not a URL (expected http://host:port)`);
    }
    if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.port === '') {
      throw new ConfigError(`${command}: --ha-endpoints: "${e}" must be http(s)://host:port`);
    }
  }
  const clusterId = get('ha-cluster-id') ?? 'default';
  if (!/^[A-Za-z0-9._-]{1,100}$/.test(clusterId)) throw new ConfigError(`${command}: --ha-cluster-id must be letters, digits, '.', '_' or '-', got "${clusterId}"`);
  const ttlText = get('ha-lease-ttl');
  const leaseTtlSeconds = ttlText === undefined ? DEFAULT_LEASE_TTL_SECONDS : Number(ttlText);
  if (!Number.isInteger(leaseTtlSeconds) || leaseTtlSeconds < 2 || leaseTtlSeconds > 3600) {
    throw new ConfigError(`${command}: --ha-lease-ttl must be a whole number of seconds from 2 to 3600, got "${ttlText}"`);
  }
  return { mode: 'etcd', endpoints, clusterId, leaseTtlSeconds };
}

/** The key prefix of a cluster in etcd. */
export function haNamespace(clusterId: string): string {
  return `/weir/${clusterId}/`;
}
