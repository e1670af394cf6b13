// The input side of a task: its channels read round robin, the barrier aligner, the watermark valve and end-of-data counting.

import type { CheckpointingMode } from '../api/config.ts';
import { BarrierAligner } from './barrier-aligner.ts';
import { isEvent, type CheckpointBarrier, type ChannelItem, type StreamEvent } from './events.ts';
import type { InputChannel } from './network/input-channel.ts';
import { WatermarkValve } from './watermark-valve.ts';

/** What the gate hands to its task. */
export interface InputGateHandler {
  /**
   * A data buffer of `channel`; the handler releases it (`channel.releaseBuffer`) when done. Returns the
   * share of a read's budget it used (a full buffer: 1): short same-thread buffers count by their records.
   */
  onBuffer(channel: InputChannel, item: Exclude<ChannelItem, StreamEvent>): number;
  /** The combined watermark advanced (the minimum over active inputs). */
  onWatermark(timestamp: number): void;
  /** Every input went idle (true), or one became active again (false). */
  onWatermarkStatus(idle: boolean): void;
  /** The last barrier of checkpoint n arrived: take the checkpoint now. */
  onBarrier(barrier: CheckpointBarrier, alignmentMs: number): void;
  /** Every channel delivered end-of-data. */
  onEndOfInput(): void;
  /** Checked after each item: stop reading (outputs blocked, mailbox work, task no longer running). */
  shouldPause(): boolean;
}

export class InputGate {
  readonly #inputs: InputChannel[];
  readonly #aligner: BarrierAligner;
  readonly #valve: WatermarkValve;
  readonly #ended: boolean[];
  readonly #handler: InputGateHandler;
  #endedCount = 0;
  #rr = 0;

  constructor(inputs: InputChannel[], mode: CheckpointingMode, handler: InputGateHandler) {
    this.#inputs = inputs;
    this.#handler = handler;
    this.#aligner = new BarrierAligner(inputs.length, mode);
    this.#valve = new WatermarkValve(inputs.length, {
      emitWatermark: (t) => handler.onWatermark(t),
      emitWatermarkStatus: (idle) => handler.onWatermarkStatus(idle),
    });
    this.#ended = new Array<boolean>(inputs.length).fill(false);
  }

  /** The task's current input watermark. */
  get watermark(): number {
    return this.#valve.watermark;
  }

  /** Whether channel `index` waits for the other channels' barriers (exactly-once alignment). */
  isBlocked(index: number): boolean {
    return this.#aligner.isBlocked(index);
  }

  /** Whether some channel has an item that may be read now. */
  get hasInput(): boolean {
    const inputs = this.#inputs;
    for (let i = 0; i < inputs.length; i++) {
      if (!inputs[i]!.isEmpty && !this.#aligner.isBlocked(i)) return true;
    }
    return false;
  }

  /** Reads up to `maxBuffers` data buffers' worth (events in between are handled too); returns whether anything was read. */
  read(maxBuffers: number): boolean {
    const inputs = this.#inputs;
    const n = inputs.length;
    const handler = this.#handler;
    let buffers = 0;
    let did = false;
    let idleRounds = 0;
    while (buffers < maxBuffers && idleRounds < n) {
      const index = this.#rr;
      this.#rr = index + 1 === n ? 0 : index + 1;
      const channel = inputs[index]!;
      if (channel.isEmpty || this.#aligner.isBlocked(index)) { idleRounds++; continue; }
      idleRounds = 0;
      did = true;
      const item = channel.take()!;
      if (isEvent(item)) {
        this.#onEvent(index, item);
      } else {
        buffers += handler.onBuffer(channel, item);
      }
      if (handler.shouldPause()) break;
    }
    return did;
  }

  #onEvent(index: number, event: StreamEvent): void {
    switch (event.type) {
      case 'watermark':
        this.#valve.inputWatermark(index, event.timestamp);
        return;
      case 'watermark-status':
        this.#valve.inputStatus(index, event.idle);
        return;
      case 'end-of-data':
        if (this.#ended[index]) return;
        this.#ended[index] = true;
        if (++this.#endedCount === this.#inputs.length) this.#handler.onEndOfInput();
        return;
      case 'barrier':
        if (this.#aligner.onBarrier(index, event)) this.#handler.onBarrier(event, performance.now() - this.#aligner.alignmentStartedAt);
        return;
    }
  }
}
