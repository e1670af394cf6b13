// q11 — user sessions: bids per bidder per session (event-time session windows, gap 10 s), with the session's start and end.
//
// The semantics of Weir's EventTimeSessionWindows.withGap(10 s) (merging windows, as Flink's
// SESSION group window): a bid at t opens the window [t, t + 10 s); windows that overlap or touch
// merge, so bids up to 10 s apart (inclusive) share a session [first bid, last bid + 10 s); a
// session is emitted when the watermark reaches its end − 1 (the row's timestamp); a bid whose own
// window is already behind the watermark is late and dropped, as the window operator drops it.
// Written as a KeyedProcessFunction keyed by bidder instead of the window operator: the bidder's
// open sessions are the accumulator of one AggregatingState (a flat array of start, end, count; one
// session per bidder in order), which the state lets the function update in place (it copies an
// accumulator a checkpoint still holds), so a bid allocates nothing; and timers are re-armed lazily —
// a timer at a session end that a later bid moved on registers the new end instead of each bid
// deleting one timer and registering another. Same rows (test/nexmark/windows.test.ts, STREAMING and
// BATCH, also on out-of-order bids against the window operator); measured in docs/nexmark.md.
// Append-only.

import { AggregatingStateDescriptor, type AggregatingState, type Bid, type DataStream, type KeyedProcessFunction, type NexmarkEvent, type RuntimeContext } from 'weir';
import { bids, type NexmarkQuery, type Row } from './query.ts';

const GAP = 10_000;

/** Open sessions of one bidder: [start, end, count, start, end, count, …], disjoint and not touching (they would have merged). */
type Sessions = number[];

/**
 * The sessions' accumulator, fed bids (merged in place; `opened` says whether the bid opened a new
 * session) and, from a timer at `time`, the time itself: the sessions with end − 1 ≤ time leave the
 * accumulator for `due`, and `next` is the earliest end − 1 left.
 */
class SessionUpdates {
  opened = false;
  due: number[] = [];
  next = Number.POSITIVE_INFINITY;
  createAccumulator(): Sessions { return []; }
  getResult(s: Sessions): Sessions { return s; }
  add(x: Bid | number, s: Sessions): Sessions {
    if (typeof x === 'number') return this.#expire(x, s);
    const t = x.dateTime;
    // The common case: one open session, which the bid's window [t, t + GAP) touches.
    if (s.length === 3 && t <= s[1]! && t + GAP >= s[0]!) {
      if (t < s[0]!) s[0] = t;
      if (t + GAP > s[1]!) s[1] = t + GAP;
      s[2]!++;
      this.opened = false;
      return s;
    }
    // General: merge every session the window touches into one covering session (the sessions
    // are disjoint, so one pass finds them all); a bid touching none opens a new session.
    let start = t;
    let end = t + GAP;
    let count = 1;
    let kept = 0;
    for (let i = 0; i < s.length; i += 3) {
      if (s[i]! <= t + GAP && s[i + 1]! >= t) {
        start = Math.min(start, s[i]!);
        end = Math.max(end, s[i + 1]!);
        count += s[i + 2]!;
      } else {
        s[kept] = s[i]!; s[kept + 1] = s[i + 1]!; s[kept + 2] = s[i + 2]!;
        kept += 3;
      }
    }
    this.opened = kept === s.length;
    s.length = kept;
    s.push(start, end, count);
    return s;
  }
  #expire(time: number, s: Sessions): Sessions {
    const due = (this.due = []) as number[];
    let next = Number.POSITIVE_INFINITY;
    let kept = 0;
    for (let i = 0; i < s.length; i += 3) {
      const end = s[i + 1]!;
      if (end - 1 <= time) due.push(s[i]!, end, s[i + 2]!);
      else {
        s[kept] = s[i]!; s[kept + 1] = end; s[kept + 2] = s[i + 2]!;
        kept += 3;
        if (end - 1 < next) next = end - 1;
      }
    }
    s.length = kept;
    this.next = next;
    return s;
  }
}

export const q11: NexmarkQuery = {
  name: 'q11',
  columns: ['bidder', 'bid_count', 'starttime', 'endtime'],
  build: (events: DataStream<NexmarkEvent>): DataStream<Row> => bids(events).keyBy((b: Bid) => b.bidder)
    .process((): KeyedProcessFunction<number, Bid, Row> => {
      const updates = new SessionUpdates();
      let open!: AggregatingState<Bid | number, Sessions>;
      return {
        open(ctx: RuntimeContext) { open = ctx.getAggregatingState(new AggregatingStateDescriptor<Bid | number, Sessions, Sessions>('sessions', updates)); },
        processElement(b: Bid, ctx) {
          const timers = ctx.timerService();
          // Late: the bid's own window is behind the watermark (the window operator's check, before merging).
          if (b.dateTime + GAP - 1 <= timers.currentWatermark()) return;
          open.add(b);
          // A merged session ends no earlier than its parts, whose timers are pending; a new one needs its own.
          if (updates.opened) timers.registerEventTimeTimer(b.dateTime + GAP - 1);
        },
        onTimer(time, ctx, out) {
          if (open.get() === undefined) return;
          // Emit the sessions that end here; re-arm at the earliest end left (a bid may have moved this one on).
          open.add(time);
          const bidder = ctx.getCurrentKey();
          const due = updates.due;
          for (let i = 0; i < due.length; i += 3) out.collect([bidder, due[i + 2]!, due[i]!, due[i + 1]!]);
          if (updates.next === Number.POSITIVE_INFINITY) open.clear();
          else ctx.timerService().registerEventTimeTimer(updates.next);
        },
      };
    }, 'q11: bids per session'),
};
