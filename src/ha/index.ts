// JobManager high availability: leader election on an etcd lease, the fenced job store, leader discovery.

export { DEFAULT_LEASE_TTL_SECONDS, HA_FLAGS, haNamespace, parseHaConfig, type HaConfig } from './ha-config.ts';
export {
  createEtcdClient,
  createHaServices,
  createLeaderRetrieval,
  EtcdHaServices,
  EtcdLeaderRetrieval,
  FixedLeaderRetrieval,
  StandaloneHaServices,
  type HaServices,
  type LeaderRetrieval,
} from './ha-services.ts';
export { JobStore, type Fence } from './job-store.ts';
export { LeaderElection, leaderPrefix, type ElectionState, type LeaderElectionOptions, type LeadershipListener } from './leader-election.ts';
export { awaitLeader, currentLeader, LeaderWatch, type LeaderInfo } from './leader-retrieval.ts';
export * from './types.ts';
