// executeAndCollect(): gathers records and hands them to the client in batches.

import { StreamOperator } from '../operator.ts';

const BATCH = 4096;

export class CollectOperator extends StreamOperator {
  #pending: unknown[] = [];
  processElement(record: unknown): void {
    this.#pending.push(record);
    if (this.#pending.length >= BATCH) this.flush();
  }
  override flush(): void {
    if (this.#pending.length === 0) return;
    this.context.reportCollected(this.#pending);
    this.#pending = [];
  }
  override finish(): void { this.flush(); }
}

export class DiscardOperator extends StreamOperator {
  processElement(): void {}
}
