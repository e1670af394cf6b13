// Events that travel in-band with the records on every channel: barriers, watermarks, end of data.

export interface CheckpointBarrier {
  readonly type: 'barrier';
  readonly checkpointId: number;
  readonly timestamp: number;
  readonly kind: 'checkpoint' | 'savepoint';
}

export interface WatermarkEvent {
  readonly type: 'watermark';
  readonly timestamp: number;
}

/** No more records will come on this channel; events (barriers) still may, until the job ends. */
export interface EndOfDataEvent {
  readonly type: 'end-of-data';
}

export type StreamEvent = CheckpointBarrier | WatermarkEvent | EndOfDataEvent;

export const END_OF_DATA: EndOfDataEvent = Object.freeze({ type: 'end-of-data' });
export const MAX_WATERMARK = Number.POSITIVE_INFINITY;

/** A buffer of records as it moves between tasks of one thread (no serialization). */
export interface RecordBuffer {
  readonly records: unknown[];
  /** Key group per record when the edge is keyed (computed once, at the producer). */
  readonly keyGroups: Int32Array | null;
}

/** What sits in a channel queue: a local buffer, an encoded buffer from another thread, or an event. */
export type ChannelItem = RecordBuffer | ArrayBuffer | StreamEvent;

export function isEvent(item: ChannelItem): item is StreamEvent {
  return (item as StreamEvent).type !== undefined;
}
