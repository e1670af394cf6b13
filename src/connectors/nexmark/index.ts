// The Nexmark benchmark's event generator as a Weir source (nexmark.md §1.1–1.4), usable outside a job too.

export { NexmarkSource, nexmarkWatermarks, NEXMARK_OUT_OF_ORDERNESS_MS, type NexmarkSplit } from './nexmark-source.ts';
export { resolveNexmarkConfig, DEFAULT_BASE_TIME, type NexmarkConfig, type ResolvedNexmarkConfig } from './config.ts';
export { NexmarkGenerator, createGenerators, generateEvent, splitRanges, UNBOUNDED_SPLIT_STRIDE, type SplitRange } from './generator.ts';
export { eventToJson, eventFromJson } from './json.ts';
export {
  eventTime, PERSON, AUCTION, BID, FIRST_PERSON_ID, FIRST_AUCTION_ID, HOT_CHANNELS,
  type NexmarkEvent, type Person, type Auction, type Bid,
} from './model.ts';
