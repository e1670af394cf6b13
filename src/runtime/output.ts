// Output wiring inside a chain: direct calls to the next operator, or into record writers.

import type { ElementTime, Output, StreamOperator } from './operator.ts';
import { ACTIVE, IDLE } from './events.ts';
import type { RecordWriter } from './network/record-writer.ts';
import { attribute, type OperatorInfo } from './operator-error.ts';

/** Calls the next operator of the chain directly (DESIGN invariant 5); attributes its errors to it. */
export class ChainedOutput implements Output {
  readonly #next: StreamOperator;
  readonly #info: OperatorInfo;
  constructor(next: StreamOperator, info: OperatorInfo) {
    this.#next = next;
    this.#info = info;
  }
  collect(record: unknown): void {
    try {
      this.#next.processElement(record);
    } catch (e) {
      throw attribute(e, this.#info, { value: record });
    }
  }
  emitWatermark(timestamp: number): void {
    this.#next.processWatermark(timestamp);
  }
  emitWatermarkStatus(idle: boolean): void {
    this.#next.processWatermarkStatus(idle);
  }
}

/** Into a record writer; the record leaves with the chain's current timestamp. */
export class WriterOutput implements Output {
  readonly #writer: RecordWriter;
  readonly #element: ElementTime;
  readonly #onWatermark: ((timestamp: number) => void) | undefined;
  readonly #dropWatermarks: boolean;
  /** `onWatermark` sees each watermark leaving (the task's metrics report the last); BATCH drops watermarks and statuses (none flow). */
  constructor(writer: RecordWriter, element: ElementTime, onWatermark?: (timestamp: number) => void, dropWatermarks = false) {
    this.#writer = writer;
    this.#element = element;
    this.#onWatermark = onWatermark;
    this.#dropWatermarks = dropWatermarks;
  }
  collect(record: unknown): void {
    this.#writer.emit(record, this.#element.timestamp);
  }
  emitWatermark(timestamp: number): void {
    if (this.#dropWatermarks) return;
    this.#onWatermark?.(timestamp);
    this.#writer.broadcastEvent({ type: 'watermark', timestamp });
  }
  emitWatermarkStatus(idle: boolean): void {
    if (this.#dropWatermarks) return;
    this.#writer.broadcastEvent(idle ? IDLE : ACTIVE);
  }
}

/** Several outputs (a fan-out inside the chain or several edges): each record goes to all. */
export class BroadcastingOutput implements Output {
  readonly #outputs: Output[];
  constructor(outputs: Output[]) {
    this.#outputs = outputs;
  }
  collect(record: unknown): void {
    for (const o of this.#outputs) o.collect(record);
  }
  emitWatermark(timestamp: number): void {
    for (const o of this.#outputs) o.emitWatermark(timestamp);
  }
  emitWatermarkStatus(idle: boolean): void {
    for (const o of this.#outputs) o.emitWatermarkStatus(idle);
  }
}

export const NO_OUTPUT: Output = { collect() {}, emitWatermark() {}, emitWatermarkStatus() {} };

/** Counts records leaving an operator that has no edge (a sink at the end of a chain). */
export function combineOutputs(outputs: Output[]): Output {
  if (outputs.length === 0) return NO_OUTPUT;
  if (outputs.length === 1) return outputs[0]!;
  return new BroadcastingOutput(outputs);
}
