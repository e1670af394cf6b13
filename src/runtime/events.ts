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

/**
 * An input went idle (no records, so no watermark progress) or became active again: idle
 * inputs do not hold back the minimum watermark downstream (see watermark-valve.ts).
 */
export interface WatermarkStatusEvent {
  readonly type: 'watermark-status';
  readonly idle: boolean;
}

/** No more records will come on this channel; events (barriers) still may, until the job ends. */
export interface EndOfDataEvent {
  readonly type: 'end-of-data';
}

export type StreamEvent = CheckpointBarrier | WatermarkEvent | WatermarkStatusEvent | EndOfDataEvent;

export const END_OF_DATA: EndOfDataEvent = Object.freeze({ type: 'end-of-data' });
export const MAX_WATERMARK = Number.POSITIVE_INFINITY;
export const IDLE: WatermarkStatusEvent = Object.freeze({ type: 'watermark-status', idle: true });
export const ACTIVE: WatermarkStatusEvent = Object.freeze({ type: 'watermark-status', idle: false });
/** The timestamp of a record that has none (event time unknown): NaN, so no comparison is ever true. */
export const NO_TIMESTAMP = Number.NaN;

/** A buffer of records as it moves between tasks of one thread (no serialization). */
export interface RecordBuffer {
  readonly records: unknown[];
  /** Key group per record when the edge is keyed (computed once, at the producer). */
  readonly keyGroups: Int32Array | null;
  /** Event-time timestamp per record (NO_TIMESTAMP = none); null when no record has one. */
  readonly timestamps?: Float64Array | null;
}

/**
 * What sits in a channel queue: a local buffer, an encoded buffer from another thread (a
 * SharedArrayBuffer between worker threads of one process, see OutputChannel; an ArrayBuffer from
 * a TCP peer or a BATCH shuffle file), or an event.
 */
export type ChannelItem = RecordBuffer | ArrayBuffer | SharedArrayBuffer | StreamEvent;

/** Whether a channel item is an encoded buffer (serde/buffer-codec.ts), not a local RecordBuffer or an event. */
export function isEncoded(item: unknown): item is ArrayBufferLike {
  return item instanceof ArrayBuffer || item instanceof SharedArrayBuffer;
}

export function isEvent(item: ChannelItem): item is StreamEvent {
  return (item as StreamEvent).type !== undefined;
}
