// Types of scripts/etcd.mjs for the TypeScript tests.

export declare const ETCD_BINARY: string;
export declare function etcdUnavailable(): string | undefined;
export interface EtcdServer {
  readonly endpoint: string;
  readonly clientPort: number;
  readonly peerPort: number;
  readonly dataDir: string;
  readonly pid: number;
  log(): string;
  stop(): Promise<void>;
}
export declare function startEtcd(options?: { timeoutMs?: number; name?: string }): Promise<EtcdServer>;
