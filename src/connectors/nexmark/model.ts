// The Nexmark event model: Person, Auction, Bid and the event envelope (nexmark/nexmark's model, times as epoch ms).

/** A new person (event type 0). */
export interface Person {
  readonly id: number;
  readonly name: string;
  readonly emailAddress: string;
  readonly creditCard: string;
  readonly city: string;
  readonly state: string;
  /** Event time, epoch ms. */
  readonly dateTime: number;
  readonly extra: string;
}

/** A new auction (event type 1). Prices in cents. */
export interface Auction {
  readonly id: number;
  readonly itemName: string;
  readonly description: string;
  readonly initialBid: number;
  /** Always ≥ initialBid. */
  readonly reserve: number;
  readonly dateTime: number;
  /** Bids at or after this time are ignored (epoch ms). */
  readonly expires: number;
  readonly seller: number;
  /** 10..14. */
  readonly category: number;
  readonly extra: string;
}

/** A bid (event type 2). */
export interface Bid {
  readonly auction: number;
  readonly bidder: number;
  readonly price: number;
  readonly channel: string;
  readonly url: string;
  readonly dateTime: number;
  readonly extra: string;
}

export const PERSON = 0;
export const AUCTION = 1;
export const BID = 2;

/**
 * One event: exactly one of person, auction, bid, by `type`. This is also the line format of
 * `--input <events.jsonl>`: `{"type":2,"bid":{...}}` with dateTime and expires as epoch ms.
 */
export type NexmarkEvent =
  | { readonly type: 0; readonly person: Person }
  | { readonly type: 1; readonly auction: Auction }
  | { readonly type: 2; readonly bid: Bid };

/** The event time of an event (its entity's dateTime), as the reference DDL's computed column. */
export function eventTime(e: NexmarkEvent): number {
  return e.type === BID ? e.bid.dateTime : e.type === AUCTION ? e.auction.dateTime : e.person.dateTime;
}

// Constants of the reference generator (nexmark.md §1.2).
export const FIRST_PERSON_ID = 1000;
export const FIRST_AUCTION_ID = 1000;
export const FIRST_CATEGORY_ID = 10;
export const NUM_CATEGORIES = 5;
export const PERSON_ID_LEAD = 10;
export const AUCTION_ID_LEAD = 10;
export const HOT_AUCTION_RATIO = 100;
export const HOT_BIDDER_RATIO = 100;
export const HOT_SELLER_RATIO = 100;
export const HOT_CHANNELS = ['Google', 'Facebook', 'Baidu', 'Apple'] as const;
export const CHANNELS_NUMBER = 10_000;
export const US_STATES = ['AZ', 'CA', 'ID', 'OR', 'WA', 'WY'] as const;
export const US_CITIES = ['Phoenix', 'Los Angeles', 'San Francisco', 'Boise', 'Portland', 'Bend', 'Redmond', 'Seattle', 'Kent', 'Cheyenne'] as const;
export const FIRST_NAMES = ['Peter', 'Paul', 'Luke', 'John', 'Saul', 'Vicky', 'Kate', 'Julie', 'Sarah', 'Deiter', 'Walter'] as const;
export const LAST_NAMES = ['Shultz', 'Abrams', 'Spencer', 'White', 'Bartels', 'Walton', 'Smith', 'Jones', 'Noris'] as const;
