// The JSON Lines form of Nexmark events (`--input <events.jsonl>`): one `{"type":0|1|2,"person"|"auction"|"bid":{…}}` per line.

import { ConfigError } from '../../core/errors.ts';
import type { NexmarkEvent } from './model.ts';

const FIELDS: Record<number, [string, readonly string[]]> = {
  0: ['person', ['id', 'name', 'emailAddress', 'creditCard', 'city', 'state', 'dateTime', 'extra']],
  1: ['auction', ['id', 'itemName', 'description', 'initialBid', 'reserve', 'dateTime', 'expires', 'seller', 'category', 'extra']],
  2: ['bid', ['auction', 'bidder', 'price', 'channel', 'url', 'dateTime', 'extra']],
};

/** One line (no newline). */
export function eventToJson(e: NexmarkEvent): string {
  return JSON.stringify(e);
}

/** Parses one line; a line that is not an event of the model fails naming what is wrong. */
export function eventFromJson(line: string): NexmarkEvent {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch (e) {
    throw new ConfigError(`Nexmark input: not JSON: ${JSON.stringify(line.slice(0, 200))}`, e);
  }
  const type = (v as { type?: unknown })?.type;
  const spec = typeof type === 'number' ? FIELDS[type] : undefined;
  if (!spec) throw new ConfigError(`Nexmark input: "type" must be 0 (person), 1 (auction) or 2 (bid) in ${JSON.stringify(line.slice(0, 200))}`);
  const body = (v as Record<string, unknown>)[spec[0]];
  if (body === null || typeof body !== 'object') throw new ConfigError(`Nexmark input: type ${type} needs a "${spec[0]}" object in ${JSON.stringify(line.slice(0, 200))}`);
  for (const f of spec[1]) {
    if (!(f in body)) throw new ConfigError(`Nexmark input: ${spec[0]} lacks "${f}" in ${JSON.stringify(line.slice(0, 200))}`);
  }
  return { type, [spec[0]]: body } as unknown as NexmarkEvent;
}
