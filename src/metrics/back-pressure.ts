// The back-pressure level of a subtask or vertex from its share of back-pressured time (Flink's thresholds).

export type BackPressureLevel = 'ok' | 'low' | 'high';

/** `ratio` = backPressuredTimeMsPerSecond / 1000: ≤ 0.10 ok, ≤ 0.5 low, else high. */
export function backPressureLevel(ratio: number): BackPressureLevel {
  if (!(ratio > 0.1)) return 'ok';
  return ratio <= 0.5 ? 'low' : 'high';
}
