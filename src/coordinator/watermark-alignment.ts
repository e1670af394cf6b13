// Source watermark alignment in the JobManager role: the minimum watermark per alignment group, over the source subtasks of the group.

/** One group's members and settings, from the job graph. */
export interface AlignmentGroup {
  readonly group: string;
  readonly maxDrift: number;
  /** `vertex.subtask` of every source subtask in the group. */
  readonly members: readonly string[];
}

/**
 * Every member starts at −∞ (it has not reported), so nothing reads far ahead before all have
 * reported. A member reports +∞ when idle or finished: it no longer holds the group back.
 * `report` returns the new maximum allowed watermark (minimum + maxDrift) when it changed.
 */
export class WatermarkAlignment {
  readonly #groups = new Map<string, { maxDrift: number; watermarks: Map<string, number>; announced: number | undefined }>();

  constructor(groups: readonly AlignmentGroup[]) {
    for (const g of groups) {
      this.#groups.set(g.group, { maxDrift: g.maxDrift, watermarks: new Map(g.members.map((m) => [m, Number.NEGATIVE_INFINITY])), announced: undefined });
    }
  }

  get empty(): boolean {
    return this.#groups.size === 0;
  }

  report(group: string, member: string, watermark: number): number | undefined {
    const g = this.#groups.get(group);
    if (g === undefined || !g.watermarks.has(member)) return undefined;
    g.watermarks.set(member, watermark);
    let min = Number.POSITIVE_INFINITY;
    for (const w of g.watermarks.values()) if (w < min) min = w;
    const max = min + g.maxDrift;
    if (max === g.announced) return undefined;
    g.announced = max;
    return max;
  }
}
