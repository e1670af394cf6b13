// The timer service keyed process functions see: timers of the current key (one- and two-input operators alike).

import type { Key } from '../../core/types.ts';
import type { TimerService } from '../../api/functions.ts';
import type { HeapKeyedStateBackend, InternalTimerService } from '../../state/index.ts';
import type { OperatorContext } from '../operator.ts';

/** Keyed timers of the current key, as keyed process functions see them. */
export function keyedTimerService(ctx: OperatorContext): TimerService {
  const backend = ctx.keyedBackend as HeapKeyedStateBackend;
  const timers = ctx.timers as InternalTimerService;
  return {
    currentProcessingTime: () => ctx.currentProcessingTime(),
    currentWatermark: () => timers.currentWatermark,
    registerEventTimeTimer: (t) => timers.registerEventTimeTimer(backend.getCurrentKey() as Key, backend.getCurrentKeyGroup(), t),
    deleteEventTimeTimer: (t) => timers.deleteEventTimeTimer(backend.getCurrentKey() as Key, backend.getCurrentKeyGroup(), t),
    registerProcessingTimeTimer: (t) => {
      timers.registerProcessingTimeTimer(backend.getCurrentKey() as Key, backend.getCurrentKeyGroup(), t);
      ctx.scheduleProcessingTime(t);
    },
    deleteProcessingTimeTimer: (t) => timers.deleteProcessingTimeTimer(backend.getCurrentKey() as Key, backend.getCurrentKeyGroup(), t),
  };
}
