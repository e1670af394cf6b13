// Restart strategies as in Flink: none, fixed-delay, exponential-delay, failure-rate.

import type { RestartStrategy } from '../api/config.ts';

/** Decides whether and when to restart after a failure. One instance per job run. */
export class RestartBackoff {
  readonly #strategy: RestartStrategy;
  #attempts = 0;
  #failures: number[] = [];
  #delay = 0;

  constructor(strategy: RestartStrategy) {
    this.#strategy = strategy;
  }

  /** Delay before the next attempt in ms, or undefined when the job must fail for good. */
  next(now = Date.now()): number | undefined {
    const s = this.#strategy;
    this.#attempts++;
    switch (s.kind) {
      case 'none':
        return undefined;
      case 'fixed-delay':
        return this.#attempts <= s.attempts ? s.delayMs : undefined;
      case 'exponential-delay':
        if (s.maxAttempts !== undefined && this.#attempts > s.maxAttempts) return undefined;
        this.#delay = this.#delay === 0 ? s.initialDelayMs : Math.min(s.maxDelayMs, this.#delay * s.multiplier);
        return this.#delay;
      case 'failure-rate':
        this.#failures = this.#failures.filter((t) => now - t < s.intervalMs);
        this.#failures.push(now);
        return this.#failures.length <= s.maxFailuresPerInterval ? s.delayMs : undefined;
    }
  }
}
