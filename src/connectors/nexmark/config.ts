// Nexmark generator settings: the reference defaults (nexmark.md §1.2), validation naming the setting, and the resolved form.

import { ConfigError } from '../../core/errors.ts';

/** What a user sets; every field is optional (the reference's defaults). */
export interface NexmarkConfig {
  /** Total number of events over all generators; 0 or undefined: unbounded. */
  readonly events?: number;
  /**
   * Event-time density: events per second of event time over all generators (the reference's
   * `first-event.rate` = `next-event.rate`). Default 10,000, or `rate` when that is set.
   */
  readonly eventRate?: number;
  /**
   * Emission pace, events per wall-clock second over all generators. Unset (the default, as the
   * reference's `max-emit-speed`): as fast as possible. Set: each event waits for its due time
   * (its event time since the base time, from the reader's start), and `eventRate` defaults to it.
   */
  readonly rate?: number;
  /** Seed of every random choice (default 0): the same seed gives the same events. */
  readonly seed?: number;
  /** Event time of event number 0, epoch ms (the reference uses the wall clock; default 2026-01-01T00:00:00Z). */
  readonly baseTime?: number;
  /** Number of generators (splits), each over a disjoint id range. Default: the source's parallelism. */
  readonly generators?: number;
  readonly personProportion?: number;
  readonly auctionProportion?: number;
  readonly bidProportion?: number;
  /** A bid goes to the hot auction with probability 1 − 1/ratio (default 2). */
  readonly hotAuctionRatio?: number;
  /** A bid comes from the hot bidder with probability 1 − 1/ratio (default 4). */
  readonly hotBiddersRatio?: number;
  /** An auction comes from the hot seller with probability 1 − 1/ratio (default 4). */
  readonly hotSellersRatio?: number;
  readonly numActivePeople?: number;
  readonly numInFlightAuctions?: number;
  readonly avgPersonByteSize?: number;
  readonly avgAuctionByteSize?: number;
  readonly avgBidByteSize?: number;
  /**
   * nexmark/nexmark adds FIRST_PERSON_ID to a bid's bidder twice, so bidder ids are person ids
   * + 1000 (nexmark.md §1.4). Default true (comparable with the published runs); false adds it once.
   */
  readonly bidderIdQuirk?: boolean;
}

/** Every setting with its value. */
export interface ResolvedNexmarkConfig {
  readonly events: number;
  readonly eventRate: number;
  readonly rate: number | undefined;
  readonly seed: number;
  readonly baseTime: number;
  readonly generators: number | undefined;
  readonly personProportion: number;
  readonly auctionProportion: number;
  readonly bidProportion: number;
  readonly hotAuctionRatio: number;
  readonly hotBiddersRatio: number;
  readonly hotSellersRatio: number;
  readonly numActivePeople: number;
  readonly numInFlightAuctions: number;
  readonly avgPersonByteSize: number;
  readonly avgAuctionByteSize: number;
  readonly avgBidByteSize: number;
  readonly bidderIdQuirk: boolean;
}

/** 2026-01-01T00:00:00Z. */
export const DEFAULT_BASE_TIME = 1_767_225_600_000;

const DEFAULTS: Omit<ResolvedNexmarkConfig, 'rate' | 'generators' | 'eventRate'> = {
  events: 0, seed: 0, baseTime: DEFAULT_BASE_TIME,
  personProportion: 1, auctionProportion: 3, bidProportion: 46,
  hotAuctionRatio: 2, hotBiddersRatio: 4, hotSellersRatio: 4,
  numActivePeople: 1000, numInFlightAuctions: 100,
  avgPersonByteSize: 200, avgAuctionByteSize: 500, avgBidByteSize: 100,
  bidderIdQuirk: true,
};

const KEYS: readonly string[] = [...Object.keys(DEFAULTS), 'rate', 'generators', 'eventRate'];
const POSITIVE_INTS = ['personProportion', 'auctionProportion', 'bidProportion', 'hotAuctionRatio', 'hotBiddersRatio', 'hotSellersRatio',
  'numActivePeople', 'numInFlightAuctions', 'avgPersonByteSize', 'avgAuctionByteSize', 'avgBidByteSize'] as const;

/** Fills in the defaults and checks every value; a bad one is a ConfigError naming it. */
export function resolveNexmarkConfig(config: NexmarkConfig = {}): ResolvedNexmarkConfig {
  if (config === null || typeof config !== 'object') throw new ConfigError('Nexmark source: the configuration must be an object');
  for (const key of Object.keys(config)) {
    if (!KEYS.includes(key)) throw new ConfigError(`Nexmark source: unknown setting "${key}" (known: ${KEYS.join(', ')})`);
  }
  const c = { ...DEFAULTS, ...stripUndefined(config) } as Record<string, unknown>;
  const int = (key: string, min: number): number => {
    const v = c[key];
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) throw new ConfigError(`Nexmark source: ${key} must be an integer ≥ ${min}, got ${String(v)}`);
    return v;
  };
  const positive = (key: string): number | undefined => {
    const v = c[key];
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw new ConfigError(`Nexmark source: ${key} must be a number > 0, got ${String(v)}`);
    return v;
  };
  for (const key of POSITIVE_INTS) int(key, 1);
  const rate = positive('rate');
  const eventRate = positive('eventRate') ?? rate ?? 10_000;
  if (rate !== undefined && config.eventRate !== undefined && config.eventRate !== rate) {
    throw new ConfigError(`Nexmark source: rate (${rate}) paces events by their event time, so eventRate must equal it or be unset (got ${config.eventRate})`);
  }
  if (typeof c['bidderIdQuirk'] !== 'boolean') throw new ConfigError(`Nexmark source: bidderIdQuirk must be true or false, got ${String(c['bidderIdQuirk'])}`);
  const generators = c['generators'] === undefined ? undefined : int('generators', 1);
  int('events', 0);
  int('baseTime', 0);
  int('seed', 0);
  if ((c['seed'] as number) > 0xffff_ffff) throw new ConfigError(`Nexmark source: seed must be < 2^32, got ${String(c['seed'])}`);
  return { ...(c as unknown as ResolvedNexmarkConfig), rate, eventRate, generators };
}

function stripUndefined(o: object): object {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}
