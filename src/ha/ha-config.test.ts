// HA flags: defaults, and a clear error naming the flag for each mistake.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseHaConfig } from './ha-config.ts';

test('no --ha: no HA; --ha etcd with endpoints, cluster id and TTL', () => {
  assert.deepEqual(parseHaConfig({}, 'weir jobmanager'), { mode: 'none' });
  assert.deepEqual(parseHaConfig(new Map([['ha', 'etcd'], ['ha-endpoints', 'http://127.0.0.1:2379, http://127.0.0.1:2380']]), 'weir jobmanager'), {
    mode: 'etcd', endpoints: ['http://127.0.0.1:2379', 'http://127.0.0.1:2380'], clusterId: 'default', leaseTtlSeconds: 10,
  });
  assert.deepEqual(parseHaConfig({ ha: 'etcd', 'ha-endpoints': 'http://10.0.0.1:2379', 'ha-cluster-id': 'prod-1', 'ha-lease-ttl': '3' }, 'weir taskmanager'), {
    mode: 'etcd', endpoints: ['http://10.0.0.1:2379'], clusterId: 'prod-1', leaseTtlSeconds: 3,
  });
});

test('mistakes name the flag', () => {
  const bad: [Record<string, string>, RegExp][] = [
    [{ ha: 'zookeeper' }, /weir jobmanager: --ha must be none or etcd, got "zookeeper"/],
    [{ ha: 'etcd' }, /--ha etcd needs --ha-endpoints/],
    [{ ha: 'etcd', 'ha-endpoints': '127.0.0.1:2379' }, /--ha-endpoints: "127.0.0.1:2379" is not a URL \(expected http:\/\/host:port\)/],
    [{ ha: 'etcd', 'ha-endpoints': 'unix://h:2379' }, /--ha-endpoints: "unix:\/\/h:2379" must be http\(s\):\/\/host:port/],
    [{ ha: 'etcd', 'ha-endpoints': 'http://h:1', 'ha-lease-ttl': '1' }, /--ha-lease-ttl must be a whole number of seconds from 2 to 3600, got "1"/],
    [{ ha: 'etcd', 'ha-endpoints': 'http://h:1', 'ha-cluster-id': 'a/b' }, /--ha-cluster-id must be/],
    [{ 'ha-endpoints': 'http://h:1' }, /--ha-endpoints needs --ha etcd/],
  ];
  for (const [values, message] of bad) assert.throws(() => parseHaConfig(values, 'weir jobmanager'), { code: 'WEIR_CONFIG', message });
});
