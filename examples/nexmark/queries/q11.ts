// q11 — user sessions: bids per bidder per session (event-time session windows, gap 10 s), with the session's start and end.
//
// The semantics of Weir's EventTimeSessionWindows.withGap(10 s) (merging windows, as Flink's
// SESSION group window): a bid at t opens the window [t, t + 10 s); windows that overlap or touch
// merge, so bids up to 10 s apart (inclusive) share a session [first bid, last bid + 10 s); a
// session is emitted when the watermark reaches its end − 1 (the row's timestamp); a bid whose own
// window is already behind the watermark is late and dropped, as the window operator drops it.
// Written as a KeyedProcessFunction keyed by bidder instead of the window operator: the bidder's
// open sessions are one ValueState (a flat array of start, end, count; one session per bidder
// in order), and timers are re-armed lazily — a timer at a session end that a later bid moved on
// registers the new end instead of each bid deleting one timer and registering another. Same rows
// (test/nexmark/windows.test.ts, STREAMING and BATCH); measured in docs/nexmark.md. Append-only.

import { ValueStateDescriptor, type Bid, type DataStream, type KeyedProcessFunction, type NexmarkEvent, type RuntimeContext, type ValueState } from 'weir';
import { bids, type NexmarkQuery, type Row } from './query.ts';

const GAP = 10_000;

/** Open sessions of one bidder: [start, end, count, start, end, count, …], disjoint and not touching (they would have merged). */
type Sessions = readonly number[];

export const q11: NexmarkQuery = {
  name: 'q11',
  columns: ['bidder', 'bid_count', 'starttime', 'endtime'],
  build: (events: DataStream<NexmarkEvent>): DataStream<Row> => bids(events).keyBy((b: Bid) => b.bidder)
    .process((): KeyedProcessFunction<number, Bid, Row> => {
      let open!: ValueState<Sessions>;
      return {
        open(ctx: RuntimeContext) { open = ctx.getState(new ValueStateDescriptor<Sessions>('sessions')); },
        processElement(b: Bid, ctx) {
          const t = b.dateTime;
          const timers = ctx.timerService();
          // Late: the bid's own window is behind the watermark (the window operator's check, before merging).
          if (t + GAP - 1 <= timers.currentWatermark()) return;
          const s = open.value();
          if (s === undefined) {
            open.update([t, t + GAP, 1]);
            timers.registerEventTimeTimer(t + GAP - 1);
            return;
          }
          // The common case: one open session, which the bid's window [t, t + GAP) touches.
          if (s.length === 3 && t <= s[1]! && t + GAP >= s[0]!) {
            open.update([Math.min(s[0]!, t), Math.max(s[1]!, t + GAP), s[2]! + 1]);
            return;
          }
          // General: merge every session the window touches into one covering session (the sessions
          // are disjoint, so one pass finds them all); a bid touching none opens a new session.
          let start = t;
          let end = t + GAP;
          let count = 1;
          let merged = false;
          const kept: number[] = [];
          for (let i = 0; i < s.length; i += 3) {
            if (s[i]! <= t + GAP && s[i + 1]! >= t) {
              start = Math.min(start, s[i]!);
              end = Math.max(end, s[i + 1]!);
              count += s[i + 2]!;
              merged = true;
            } else kept.push(s[i]!, s[i + 1]!, s[i + 2]!);
          }
          kept.push(start, end, count);
          open.update(kept);
          // A merged session ends no earlier than its parts, whose timers are pending; a new one needs its own.
          if (!merged) timers.registerEventTimeTimer(end - 1);
        },
        onTimer(time, ctx, out) {
          const s = open.value();
          if (s === undefined) return;
          // Emit the sessions that end here; re-arm at the earliest end left (a bid may have moved this one on).
          const bidder = ctx.getCurrentKey();
          let next = Number.POSITIVE_INFINITY;
          let left: number[] | undefined;
          for (let i = 0; i < s.length; i += 3) {
            const end = s[i + 1]!;
            if (end - 1 <= time) out.collect([bidder, s[i + 2]!, s[i]!, end]);
            else {
              (left ??= []).push(s[i]!, end, s[i + 2]!);
              if (end - 1 < next) next = end - 1;
            }
          }
          if (left === undefined) open.clear();
          else {
            if (left.length !== s.length) open.update(left);
            ctx.timerService().registerEventTimeTimer(next);
          }
        },
      };
    }, 'q11: bids per session'),
};
