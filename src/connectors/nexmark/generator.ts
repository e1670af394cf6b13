// The Nexmark event generator (nexmark.md §1.3): event kinds in the 1:3:46 mix, id arithmetic, hot keys, prices, event times, split ranges.

import { ConfigError } from '../../core/errors.ts';
import { resolveNexmarkConfig, type NexmarkConfig, type ResolvedNexmarkConfig } from './config.ts';
import { EventRandom } from './random.ts';
import {
  AUCTION_ID_LEAD, FIRST_AUCTION_ID, FIRST_CATEGORY_ID, FIRST_NAMES, FIRST_PERSON_ID, HOT_AUCTION_RATIO, HOT_BIDDER_RATIO,
  HOT_CHANNELS, HOT_SELLER_RATIO, LAST_NAMES, CHANNELS_NUMBER, NUM_CATEGORIES, PERSON_ID_LEAD, US_CITIES, US_STATES,
  type Auction, type Bid, type NexmarkEvent, type Person,
} from './model.ts';

/** An unbounded generator's id range: split i starts at 1 + i·2^44, so up to 512 splits stay within safe integers. */
export const UNBOUNDED_SPLIT_STRIDE = 2 ** 44;
const MAX_UNBOUNDED_SPLITS = 512;

/** The events of one generator: ids from firstEventId + 1 on, `maxEvents` of them (Infinity: unbounded). */
export interface SplitRange {
  readonly index: number;
  readonly firstEventId: number;
  readonly maxEvents: number;
}

/**
 * The reference's GeneratorConfig.split(n): split i gets events/n events (the last one the
 * remainder too) and the id range after the previous split's; all share the base time and the
 * event-time timeline (event k of every split has the same timestamp), so a job at parallelism
 * p sees p interleaved timelines over disjoint ids. Unbounded: disjoint ranges of 2^44 ids.
 */
export function splitRanges(config: ResolvedNexmarkConfig, count: number): SplitRange[] {
  if (!Number.isSafeInteger(count) || count < 1) throw new ConfigError(`Nexmark source: the number of generators must be an integer ≥ 1, got ${count}`);
  const ranges: SplitRange[] = [];
  if (config.events === 0) {
    if (count > MAX_UNBOUNDED_SPLITS) throw new ConfigError(`Nexmark source: an unbounded generator takes at most ${MAX_UNBOUNDED_SPLITS} splits, got ${count}`);
    for (let i = 0; i < count; i++) ranges.push({ index: i, firstEventId: 1 + i * UNBOUNDED_SPLIT_STRIDE, maxEvents: Number.POSITIVE_INFINITY });
    return ranges;
  }
  const sub = Math.floor(config.events / count);
  let first = 1;
  for (let i = 0; i < count; i++) {
    const max = i === count - 1 ? sub + (config.events % count) : sub;
    ranges.push({ index: i, firstEventId: first, maxEvents: max });
    first += max;
  }
  return ranges;
}

/** Drawn once per seed (the reference draws them once per class load): the 1 MiB letter pool, hot URLs and the channel URL table. */
interface SeedTables {
  /** Lowercase letters (extras). */
  readonly pool: string;
  /** Letters, and a space with probability 1/13 per char (item names, descriptions, emails). */
  readonly spacedPool: string;
  readonly channelNames: readonly string[];
  readonly hotUrls: readonly string[];
  readonly channelUrls: readonly string[];
}

const tablesBySeed = new Map<number, SeedTables>();
const POOL_SIZE = 1 << 20;
const LN_10_TIMES_6 = 6 * Math.LN10;

function tablesFor(seed: number): SeedTables {
  let t = tablesBySeed.get(seed);
  if (t) return t;
  const rng = new EventRandom();
  rng.reseed(seed, Number.MAX_SAFE_INTEGER);
  const bytes = new Uint8Array(POOL_SIZE);
  for (let i = 0; i < POOL_SIZE; i++) bytes[i] = 97 + rng.int(26);
  const pool = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  for (let i = 0; i < POOL_SIZE; i++) bytes[i] = rng.int(13) === 0 ? 32 : 97 + rng.int(26);
  const spacedPool = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  const baseUrl = (): string => `https://www.nexmark.com/${randomString(rng, 5)}/${randomString(rng, 5)}/${randomString(rng, 5)}/item.htm?query=1`;
  const hotUrls = HOT_CHANNELS.map(() => baseUrl());
  const channelUrls: string[] = [];
  const channelNames: string[] = [];
  for (let j = 0; j < CHANNELS_NUMBER; j++) {
    channelNames.push(`channel-${j}`);
    const url = baseUrl();
    channelUrls.push(rng.int(10) > 0 ? `${url}&channel_id=${javaAbs(reverseBits32(j))}` : url);
  }
  t = { pool, spacedPool, channelNames, hotUrls, channelUrls };
  tablesBySeed.set(seed, t);
  return t;
}

/** Java's Integer.reverse. */
export function reverseBits32(x: number): number {
  x = ((x >>> 1) & 0x55555555) | ((x & 0x55555555) << 1);
  x = ((x >>> 2) & 0x33333333) | ((x & 0x33333333) << 2);
  x = ((x >>> 4) & 0x0f0f0f0f) | ((x & 0x0f0f0f0f) << 4);
  x = ((x >>> 8) & 0x00ff00ff) | ((x & 0x00ff00ff) << 8);
  return ((x >>> 16) | (x << 16)) | 0;
}

/** Java's Math.abs on an int: abs(MIN_VALUE) stays MIN_VALUE (so channel 1's id is "-2147483648", as in the reference). */
function javaAbs(x: number): number {
  return x === -2147483648 ? x : Math.abs(x);
}

/** The reference's nextString(max, '_') for URLs: 3 + rand(max − 3) chars, each '_' with probability 1/13, else a letter. */
function randomString(rng: EventRandom, max: number): string {
  const len = 3 + rng.int(max - 3);
  let s = '';
  for (let i = 0; i < len; i++) s += String.fromCharCode(rng.int(13) === 0 ? 95 : 97 + rng.int(26));
  return s;
}

function pad4(n: number): string {
  return n < 10 ? `000${n}` : n < 100 ? `00${n}` : n < 1000 ? `0${n}` : `${n}`;
}

/** One generator (split): event k (0-based) of its range, deterministic in (seed, event id). */
export class NexmarkGenerator {
  readonly config: ResolvedNexmarkConfig;
  readonly range: SplitRange;
  readonly #rng = new EventRandom();
  readonly #tables: SeedTables;
  /** µs of event time between two events of this generator. */
  readonly #interEventDelayUs: number;
  readonly #p: number;
  readonly #a: number;
  readonly #t: number;
  readonly #auctionLifetimeEvents: number;

  constructor(config: ResolvedNexmarkConfig, range: SplitRange, generatorCount: number) {
    this.config = config;
    this.range = range;
    this.#tables = tablesFor(config.seed);
    this.#interEventDelayUs = (1e6 / config.eventRate) * generatorCount;
    this.#p = config.personProportion;
    this.#a = config.auctionProportion;
    this.#t = config.personProportion + config.auctionProportion + config.bidProportion;
    this.#auctionLifetimeEvents = Math.floor((config.numInFlightAuctions * this.#t) / this.#a);
  }

  /** Event time of the event with adjusted number e (the reference's timestampForEvent: whole µs, then whole ms). */
  timestampForEvent(e: number): number {
    return this.config.baseTime + Math.floor(Math.floor(e * this.#interEventDelayUs) / 1000);
  }

  /** Event time of event k of this split. */
  timestamp(k: number): number {
    return this.timestampForEvent(1 + k);
  }

  /** Event k (0 ≤ k < range.maxEvents) of this split. */
  event(k: number): NexmarkEvent {
    const e = 1 + k; // firstEventNumber = 1, outOfOrderGroupSize = 1
    const id = this.range.firstEventId + e;
    const ts = this.timestampForEvent(e);
    this.#rng.reseed(this.config.seed, id);
    const r = id % this.#t;
    if (r < this.#p) return { type: 0, person: this.#person(id, ts) };
    if (r < this.#p + this.#a) return { type: 1, auction: this.#auction(e, id, ts) };
    return { type: 2, bid: this.#bid(id, ts) };
  }

  #lastBase0PersonId(id: number): number {
    const epoch = Math.floor(id / this.#t);
    let offset = id % this.#t;
    if (offset >= this.#p) offset = this.#p - 1;
    return epoch * this.#p + offset;
  }

  #lastBase0AuctionId(id: number): number {
    let epoch = Math.floor(id / this.#t);
    let offset = id % this.#t;
    if (offset < this.#p) { epoch -= 1; offset = this.#a - 1; } else if (offset >= this.#p + this.#a) offset = this.#a - 1;
    else offset -= this.#p;
    return epoch * this.#a + offset;
  }

  #nextBase0PersonId(id: number): number {
    const num = this.#lastBase0PersonId(id) + 1;
    const active = Math.min(num, this.config.numActivePeople);
    return num - active + this.#rng.int(active + PERSON_ID_LEAD);
  }

  #nextBase0AuctionId(id: number): number {
    const hi = this.#lastBase0AuctionId(id);
    const lo = Math.max(hi - this.config.numInFlightAuctions, 0);
    return lo + this.#rng.int(hi - lo + 1 + AUCTION_ID_LEAD);
  }

  /** Cents, log-uniform in [100, 1e8): round(10^(6u) · 100). */
  #price(): number {
    return Math.round(Math.exp(this.#rng.double() * LN_10_TIMES_6) * 100);
  }

  /** nextString(max, ' '): 3 + rand(max − 3) chars of the spaced pool (i.i.d. as char by char), trimmed. */
  #string(max: number): string {
    const len = 3 + this.#rng.int(max - 3);
    const start = this.#rng.int(POOL_SIZE - len);
    return this.#tables.spacedPool.slice(start, start + len).trim();
  }

  /** A lowercase string of about avg − current chars (±20 %), a slice of the seed's letter pool. */
  #extra(current: number, avg: number): string {
    if (current > avg) return '';
    const d = avg - current;
    const delta = Math.floor(0.2 * d + 0.5);
    const len = d - delta + (delta === 0 ? 0 : this.#rng.int(2 * delta));
    const start = this.#rng.int(POOL_SIZE - len);
    return this.#tables.pool.slice(start, start + len);
  }

  #person(id: number, ts: number): Person {
    const rng = this.#rng;
    const name = `${FIRST_NAMES[rng.int(FIRST_NAMES.length)]} ${LAST_NAMES[rng.int(LAST_NAMES.length)]}`;
    const emailAddress = `${this.#string(7)}@${this.#string(5)}.com`;
    const creditCard = `${pad4(rng.int(10000))} ${pad4(rng.int(10000))} ${pad4(rng.int(10000))} ${pad4(rng.int(10000))}`;
    const city = US_CITIES[rng.int(US_CITIES.length)]!;
    const state = US_STATES[rng.int(US_STATES.length)]!;
    const size = 8 + name.length + emailAddress.length + creditCard.length + city.length + state.length;
    const extra = this.#extra(size, this.config.avgPersonByteSize);
    return { id: this.#lastBase0PersonId(id) + FIRST_PERSON_ID, name, emailAddress, creditCard, city, state, dateTime: ts, extra };
  }

  #auction(e: number, id: number, ts: number): Auction {
    const rng = this.#rng;
    let seller = rng.int(this.config.hotSellersRatio) > 0
      ? Math.trunc(this.#lastBase0PersonId(id) / HOT_SELLER_RATIO) * HOT_SELLER_RATIO
      : this.#nextBase0PersonId(id);
    seller += FIRST_PERSON_ID;
    const category = FIRST_CATEGORY_ID + rng.int(NUM_CATEGORIES);
    const initialBid = this.#price();
    const horizon = this.timestampForEvent(e + this.#auctionLifetimeEvents) - ts;
    const expires = ts + 1 + rng.int(Math.max(2 * horizon, 1));
    const itemName = this.#string(20);
    const description = this.#string(100);
    const reserve = initialBid + this.#price();
    const extra = this.#extra(8 + itemName.length + description.length + 40, this.config.avgAuctionByteSize);
    return {
      id: this.#lastBase0AuctionId(id) + FIRST_AUCTION_ID, itemName, description, initialBid, reserve, dateTime: ts, expires, seller, category, extra,
    };
  }

  #bid(id: number, ts: number): Bid {
    const rng = this.#rng;
    const auction = FIRST_AUCTION_ID + (rng.int(this.config.hotAuctionRatio) > 0
      ? Math.trunc(this.#lastBase0AuctionId(id) / HOT_AUCTION_RATIO) * HOT_AUCTION_RATIO
      : this.#nextBase0AuctionId(id));
    let bidder = FIRST_PERSON_ID + (rng.int(this.config.hotBiddersRatio) > 0
      ? Math.trunc(this.#lastBase0PersonId(id) / HOT_BIDDER_RATIO) * HOT_BIDDER_RATIO + 1
      : this.#nextBase0PersonId(id));
    const price = this.#price();
    let channel: string;
    let url: string;
    if (rng.int(2) > 0) {
      const i = rng.int(HOT_CHANNELS.length);
      channel = HOT_CHANNELS[i]!;
      url = this.#tables.hotUrls[i]!;
    } else {
      const j = rng.int(CHANNELS_NUMBER);
      channel = this.#tables.channelNames[j]!;
      url = this.#tables.channelUrls[j]!;
    }
    if (this.config.bidderIdQuirk) bidder += FIRST_PERSON_ID;
    const extra = this.#extra(32, this.config.avgBidByteSize);
    return { auction, bidder, price, channel, url, dateTime: ts, extra };
  }
}

/** Every generator of a configuration (`generators` of them, default `config.generators` or 1), in split order. */
export function createGenerators(config: NexmarkConfig | ResolvedNexmarkConfig, generators?: number): NexmarkGenerator[] {
  const resolved = resolveNexmarkConfig(config as NexmarkConfig);
  const count = generators ?? resolved.generators ?? 1;
  return splitRanges(resolved, count).map((r) => new NexmarkGenerator(resolved, r, count));
}

const generatorsByConfig = new WeakMap<object, { gens: NexmarkGenerator[]; starts: number[] }>();

/**
 * Event number n of a configuration, outside any job: the events of split 0 first, then split
 * 1, … (`config.generators` splits, default 1), so `for n < events` yields exactly the events a
 * Nexmark source with that many generators emits, in a per-split order. Unbounded configurations
 * need a single generator here. Generators are cached per config object.
 */
export function generateEvent(config: NexmarkConfig, n: number): NexmarkEvent {
  let entry = generatorsByConfig.get(config);
  if (!entry) {
    const gens = createGenerators(config);
    if (gens.length > 1 && gens[0]!.config.events === 0) throw new ConfigError('generateEvent: an unbounded configuration needs generators = 1');
    const starts: number[] = [];
    let s = 0;
    for (const g of gens) { starts.push(s); s += g.range.maxEvents; }
    entry = { gens, starts };
    generatorsByConfig.set(config, entry);
  }
  const { gens, starts } = entry;
  let i = gens.length - 1;
  while (i > 0 && starts[i]! > n) i--;
  const g = gens[i]!;
  const k = n - starts[i]!;
  if (!Number.isSafeInteger(n) || k < 0 || k >= g.range.maxEvents) throw new ConfigError(`generateEvent: event number ${n} is outside the configuration's ${g.config.events} events`);
  return g.event(k);
}
