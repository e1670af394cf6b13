// Length-prefixed, versioned frames on a TCP stream: the one wire format of cluster mode (control and data).
//
// A frame is `u32 length | u8 version | u8 kind | payload` (length counts version, kind and
// payload, big endian). Control messages are `v8.serialize`d plain data (runtime/protocol.ts
// messages inside an envelope); data buffers travel as raw bytes behind a 12-byte link header
// (execution, destination slot, source slot, channel), so a record buffer is never re-encoded.

import { WeirError } from '../core/errors.ts';

export const WIRE_VERSION = 1;
export const HEADER_BYTES = 6;

export const enum FrameKind {
  /** Handshake (auth.ts): JSON, before the peer is authenticated. */
  Hello = 1,
  Challenge = 2,
  Response = 3,
  Welcome = 4,
  Refused = 5,
  /** After the handshake. */
  Control = 10,
  Heartbeat = 11,
  /** A record buffer of one channel (LinkMessage `{ c, b }`). */
  LinkData = 20,
  /** A credit returned for one channel (LinkMessage `{ k }`). */
  LinkCredit = 21,
  /** An in-band event of one channel (LinkMessage `{ c, e }`): barrier, watermark, end of data. */
  LinkEvent = 22,
}

/** Frames bigger than this are refused before they are buffered (a job bundle or a state ack fits well below). */
export const MAX_FRAME_BYTES = 512 * 1024 * 1024;
/** Before authentication a peer gets no more than this per frame: a stranger cannot make us buffer much. */
export const MAX_HANDSHAKE_FRAME_BYTES = 4096;

export function frameHeader(kind: FrameKind, payloadBytes: number): Buffer {
  const h = Buffer.allocUnsafe(HEADER_BYTES);
  h.writeUInt32BE(payloadBytes + 2, 0);
  h[4] = WIRE_VERSION;
  h[5] = kind;
  return h;
}

export function encodeFrame(kind: FrameKind, payload: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(HEADER_BYTES + payload.byteLength);
  out.writeUInt32BE(payload.byteLength + 2, 0);
  out[4] = WIRE_VERSION;
  out[5] = kind;
  out.set(payload, HEADER_BYTES);
  return out;
}

export class FrameError extends WeirError {
  constructor(message: string) {
    super(message, { code: 'WEIR_CLUSTER_PROTOCOL', fault: 'external', retryable: true });
    this.name = 'FrameError';
  }
}

/**
 * Cuts a byte stream into frames. Chunks are kept as they came (no copy) until a frame is
 * complete; a frame inside one chunk is handed out as a view of that chunk.
 */
export class FrameDecoder {
  #chunks: Buffer[] = [];
  #buffered = 0;
  #stopped = false;
  #halted = false;
  maxFrameBytes: number;

  constructor(maxFrameBytes = MAX_HANDSHAKE_FRAME_BYTES) {
    this.maxFrameBytes = maxFrameBytes;
  }

  /** Feeds bytes; calls `onFrame` per complete frame (the payload is only valid during the call). Throws FrameError on garbage. */
  push(chunk: Buffer, onFrame: (kind: FrameKind, payload: Buffer) => void): void {
    if (this.#stopped) return;
    this.#halted = false;
    if (chunk.length > 0) {
      this.#chunks.push(chunk);
      this.#buffered += chunk.length;
    }
    while (this.#buffered >= 4) {
      const length = this.#peekLength();
      if (length < 2 || length > this.maxFrameBytes) {
        throw new FrameError(`bad frame length ${length} (at most ${this.maxFrameBytes}): not a Weir cluster peer, or a peer of another wire version`);
      }
      if (this.#buffered < 4 + length) return;
      const frame = this.#take(4 + length);
      const version = frame[4]!;
      if (version !== WIRE_VERSION) throw new FrameError(`wire version ${version}, expected ${WIRE_VERSION}: the peer runs another Weir version`);
      onFrame(frame[5]! as FrameKind, frame.subarray(HEADER_BYTES));
      if (this.#stopped || this.#halted) return;
    }
  }

  /** Stops handing out frames until the next push (the rest stays buffered for a new handler). */
  halt(): void {
    this.#halted = true;
  }

  /** Drops what is buffered and ignores the rest (the connection is closing). */
  stop(): void {
    this.#stopped = true;
    this.#chunks = [];
    this.#buffered = 0;
  }

  #peekLength(): number {
    const first = this.#chunks[0]!;
    if (first.length >= 4) return first.readUInt32BE(0);
    const head = Buffer.alloc(4);
    let n = 0;
    for (const c of this.#chunks) {
      const k = Math.min(4 - n, c.length);
      c.copy(head, n, 0, k);
      n += k;
      if (n === 4) break;
    }
    return head.readUInt32BE(0);
  }

  #take(n: number): Buffer {
    const first = this.#chunks[0]!;
    this.#buffered -= n;
    if (first.length >= n) {
      if (first.length === n) this.#chunks.shift();
      else this.#chunks[0] = first.subarray(n);
      return first.subarray(0, n);
    }
    const out = Buffer.allocUnsafe(n);
    let off = 0;
    while (off < n) {
      const c = this.#chunks[0]!;
      const k = Math.min(n - off, c.length);
      c.copy(out, off, 0, k);
      off += k;
      if (k === c.length) this.#chunks.shift();
      else this.#chunks[0] = c.subarray(k);
    }
    return out;
  }
}
