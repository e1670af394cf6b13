// Window assignment: the windows a record belongs to, for tumbling, sliding, session and global assigners.

import type { WindowAssigner } from '../../../api/windows/assigners.ts';
import { GLOBAL_WINDOW, TimeWindow, windowStart } from '../../../api/windows/time-window.ts';

/** The windows of `timestamp`, in ascending start order. Session windows are the record's own [t, t + gap), merged later. */
export function assignWindows(assigner: WindowAssigner, timestamp: number, element: unknown): TimeWindow[] {
  switch (assigner.kind) {
    case 'tumbling': {
      const start = windowStart(timestamp, assigner.offset, assigner.size);
      return [new TimeWindow(start, start + assigner.size)];
    }
    case 'sliding': {
      const windows: TimeWindow[] = [];
      const last = windowStart(timestamp, assigner.offset, assigner.slide);
      for (let start = last; start > timestamp - assigner.size; start -= assigner.slide) windows.push(new TimeWindow(start, start + assigner.size));
      return windows.reverse();
    }
    case 'session':
      return [new TimeWindow(timestamp, timestamp + (assigner.gapOf === undefined ? assigner.gap : assigner.gapOf(element)))];
    case 'global':
      return [GLOBAL_WINDOW];
  }
}

export function isMerging(assigner: WindowAssigner): boolean {
  return assigner.kind === 'session';
}
