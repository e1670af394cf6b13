// Test helper: a real etcd per test file (scripts/etcd.mjs), or a clear reason to skip.

import { after, before } from 'node:test';
import { etcdUnavailable, startEtcd, type EtcdServer } from '../../../scripts/etcd.mjs';

/** Non-empty when etcd tests cannot run here; pass it as `{ skip }` to `describe`. */
export const ETCD_SKIP: string | false = etcdUnavailable() ?? false;

/**
 * Starts etcd before the suite's tests and stops it (removing its data directory) after them,
 * also when a test failed. Read `.endpoint` inside a test.
 */
export function useEtcd(): { readonly endpoint: string; readonly server: EtcdServer } {
  let server: EtcdServer | undefined;
  before(async () => {
    server = await startEtcd();
  });
  after(async () => {
    await server?.stop();
  });
  return {
    get endpoint() {
      if (server === undefined) throw new Error('etcd is not running (before() failed?)');
      return server.endpoint;
    },
    get server() {
      if (server === undefined) throw new Error('etcd is not running (before() failed?)');
      return server;
    },
  };
}

let counter = 0;
/** A fresh cluster namespace per test, so tests sharing one etcd never see each other's keys. */
export function freshNamespace(label: string): string {
  return `/weir-test/${label}-${process.pid}-${++counter}/`;
}
