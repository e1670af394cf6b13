// One authenticated, framed TCP connection: mutual HMAC handshake, control messages, multiplexed slot links, heartbeats.
//
// Handshake (both sides hold the cluster token; the token never crosses the wire):
//   dialer → Hello     { magic, role, nonceD, info }
//   accept → Challenge { nonceA, proof = HMAC(token, "accept|" nonceD "|" nonceA) }
//   dialer → Response  { proof = HMAC(token, "dial|" nonceA "|" nonceD) }   (after checking the acceptor's proof)
//   accept → Welcome   { info }  or  Refused { reason }
// The role prefixes keep a proof from being reflected back. Before Welcome a frame may be at
// most 4 KiB and the handshake must finish within 5 s, so a stranger (a port scanner, a plain
// HTTP client) is refused, logged and closed without ever reaching the protocol.

import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Server, Socket } from 'node:net';
import { deserialize, serialize } from 'node:v8';
import { WeirError } from '../core/errors.ts';
import { encodeFrame, FrameDecoder, FrameError, FrameKind, frameHeader, MAX_FRAME_BYTES } from './frame.ts';

// node:net and node:tls load on first use: this module is in every job bundle, which each worker thread imports,
// and a local job opens no socket (the two cost ~4-6 ms of a thread's start; docs/benchmarks.md "Stop 23").
const net = (): typeof import('node:net') => process.getBuiltinModule('node:net');
const tlsModule = (): typeof import('node:tls') => process.getBuiltinModule('node:tls');

export type ClusterRole = 'jobmanager' | 'taskmanager' | 'client';

export interface HeartbeatSettings {
  /** A heartbeat goes out this often on every connection. */
  readonly intervalMs: number;
  /** A connection silent for this long (no frame at all) is considered lost and closed. */
  readonly timeoutMs: number;
}

export const DEFAULT_HEARTBEAT: HeartbeatSettings = { intervalMs: 1000, timeoutMs: 10_000 };
const HANDSHAKE_TIMEOUT_MS = 5000;
const MAGIC = 'weir-cluster';
const LINK_HEADER = 12;

/** Mutual TLS for every connection of the cluster: this process's certificate and key, and the CA that signed every member's. */
export interface TlsFiles {
  readonly cert: Buffer;
  readonly key: Buffer;
  readonly ca: Buffer;
}

export interface ConnectionOptions {
  readonly token: Buffer;
  /** TLS under the token handshake (optional): both sides need certificates signed by `ca`. */
  readonly tls?: TlsFiles | undefined;
  readonly role: ClusterRole;
  /** What this side tells the peer about itself (JSON): ids, addresses. */
  readonly info?: Record<string, unknown>;
  readonly heartbeat: HeartbeatSettings;
}

export class AuthError extends WeirError {
  constructor(message: string) {
    super(message, { code: 'WEIR_CLUSTER_AUTH', fault: 'config', retryable: false });
    this.name = 'AuthError';
  }
}

/** Receives the link frames of a connection (the data plane, see data-plane.ts). */
export type LinkHandler = (kind: FrameKind, exec: number, dst: number, src: number, channel: number, payload: Buffer) => void;

export class Connection {
  readonly socket: Socket;
  readonly remote: string;
  readonly peerRole: ClusterRole;
  readonly peerInfo: Record<string, unknown>;
  onControl: (message: unknown) => void = () => {};
  onLink: LinkHandler = () => {};
  readonly #closeHandlers: ((reason: string) => void)[] = [];
  readonly #decoder: FrameDecoder;
  readonly #heartbeat: HeartbeatSettings;
  #lastReceived = Date.now();
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  #queue: Buffer[] = [];
  #needDrain = false;
  #queuedBytes = 0;
  /** The most bytes ever waiting for the socket to drain (bench and tests read it: it stays bounded by the credits). */
  maxQueuedBytes = 0;

  constructor(socket: Socket, decoder: FrameDecoder, peerRole: ClusterRole, peerInfo: Record<string, unknown>, heartbeat: HeartbeatSettings) {
    this.socket = socket;
    this.remote = `${socket.remoteAddress}:${socket.remotePort}`;
    this.peerRole = peerRole;
    this.peerInfo = peerInfo;
    this.#decoder = decoder;
    this.#heartbeat = heartbeat;
    decoder.maxFrameBytes = MAX_FRAME_BYTES;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('drain', () => this.#drain());
    socket.on('error', (e) => this.close(`connection error: ${e.message}`));
    socket.on('close', () => this.close('connection closed by the peer'));
    let lastTick = Date.now();
    this.#timer = setInterval(() => {
      const now = Date.now();
      const blocked = now - lastTick > 2 * heartbeat.intervalMs;
      lastTick = now;
      // Our own event loop was blocked (a long synchronous step): frames may be waiting unread in
      // the socket, and timers run before I/O. Judge the peer only after reading them.
      if (blocked) this.#lastReceived = Math.max(this.#lastReceived, now - heartbeat.intervalMs);
      else if (now - this.#lastReceived > heartbeat.timeoutMs) {
        this.close(`no heartbeat for ${heartbeat.timeoutMs} ms`);
        return;
      }
      this.#write([frameHeader(FrameKind.Heartbeat, 0)]);
    }, heartbeat.intervalMs);
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** When the last frame (a heartbeat or anything else) came from the peer, epoch ms. */
  get lastReceivedAt(): number {
    return this.#lastReceived;
  }

  /** Bytes waiting for the socket to drain right now. */
  get queuedBytes(): number {
    return this.#queuedBytes;
  }

  onClose(handler: (reason: string) => void): void {
    this.#closeHandlers.push(handler);
  }

  /** Feeds bytes that arrived before this object took the socket over (the end of the handshake chunk). */
  feed(chunk: Buffer): void {
    this.#onData(chunk);
  }

  sendControl(message: unknown): void {
    this.#write([encodeFrame(FrameKind.Control, serialize(message))]);
  }

  sendLink(kind: FrameKind, exec: number, dst: number, src: number, channel: number, payload: Uint8Array | null): void {
    const h = frameHeader(kind, LINK_HEADER + (payload?.byteLength ?? 0));
    const l = Buffer.allocUnsafe(LINK_HEADER);
    l.writeUInt32BE(exec, 0);
    l.writeUInt16BE(dst, 4);
    l.writeUInt16BE(src, 6);
    l.writeUInt32BE(channel, 8);
    this.#write(payload ? [h, l, payload instanceof Buffer ? payload : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength)] : [h, l]);
  }

  close(reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    this.#decoder.stop();
    this.#queue = [];
    this.#queuedBytes = 0;
    this.socket.destroy();
    for (const h of this.#closeHandlers) h(reason);
  }

  #onData(chunk: Buffer): void {
    this.#lastReceived = Date.now();
    try {
      this.#decoder.push(chunk, (kind, payload) => {
        switch (kind) {
          case FrameKind.Heartbeat:
            return;
          case FrameKind.Control:
            this.onControl(deserialize(payload));
            return;
          case FrameKind.LinkData:
          case FrameKind.LinkCredit:
          case FrameKind.LinkEvent:
            this.onLink(kind, payload.readUInt32BE(0), payload.readUInt16BE(4), payload.readUInt16BE(6), payload.readUInt32BE(8), payload.subarray(LINK_HEADER));
            return;
          default:
            throw new FrameError(`unexpected frame kind ${kind as number} after the handshake`);
        }
      });
    } catch (e) {
      this.close(`protocol error from ${this.remote}: ${(e as Error).message}`);
    }
  }

  /**
   * Honours `write()` returning false: later frames wait in our queue until 'drain'. What can
   * wait is bounded by the data plane's credits (buffers per channel × channels) plus control
   * messages; nothing here grows with the input.
   */
  #write(parts: Buffer[]): void {
    if (this.#closed) return;
    if (this.#needDrain) {
      for (const p of parts) { this.#queue.push(p); this.#queuedBytes += p.length; }
      if (this.#queuedBytes > this.maxQueuedBytes) this.maxQueuedBytes = this.#queuedBytes;
      return;
    }
    const s = this.socket;
    s.cork();
    for (const p of parts) {
      if (!this.#needDrain) this.#needDrain = !s.write(p);
      else { this.#queue.push(p); this.#queuedBytes += p.length; }
    }
    s.uncork();
    if (this.#queuedBytes > this.maxQueuedBytes) this.maxQueuedBytes = this.#queuedBytes;
  }

  #drain(): void {
    this.#needDrain = false;
    const s = this.socket;
    s.cork();
    while (!this.#needDrain && this.#queue.length > 0) {
      const p = this.#queue.shift()!;
      this.#queuedBytes -= p.length;
      this.#needDrain = !s.write(p);
    }
    s.uncork();
  }
}

function proof(token: Buffer, side: 'accept' | 'dial', a: string, b: string): string {
  return createHmac('sha256', token).update(`${side}|${a}|${b}`).digest('hex');
}

function sameProof(a: unknown, b: string): boolean {
  if (typeof a !== 'string' || a.length !== b.length) return false;
  return timingSafeEqual(Buffer.from(a), Buffer.from(b));
}

function json(payload: Buffer): Record<string, unknown> {
  const v: unknown = JSON.parse(payload.toString('utf8'));
  if (typeof v !== 'object' || v === null) throw new FrameError('handshake frame is not a JSON object');
  return v as Record<string, unknown>;
}

function ignoreSocketError(): void {}

/** Runs the handshake on a fresh socket, frame by frame, until it resolves or fails. */
function handshake(socket: Socket, step: (kind: FrameKind, body: Record<string, unknown>) => 'more' | 'done'): Promise<FrameDecoder> {
  return new Promise((resolve, reject) => {
    const decoder = new FrameDecoder();
    let finished = false;
    const finish = (error: Error | undefined): void => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('error', onError);
      socket.off('close', onCloseEv);
      // A peer that resets the connection after a refused handshake (or before the Connection takes the
      // socket over) must not raise an unhandled 'error' that ends this process: that is how a stranger
      // killed mid-handshake used to take the JobManager down. The Connection adds its own listener.
      socket.on('error', ignoreSocketError);
      if (error) { socket.end(); setTimeout(() => socket.destroy(), 200).unref(); reject(error); } else resolve(decoder);
    };
    const timer = setTimeout(() => finish(new FrameError(`no complete handshake within ${HANDSHAKE_TIMEOUT_MS} ms`)), HANDSHAKE_TIMEOUT_MS);
    const onError = (e: Error): void => finish(new FrameError(`connection error during the handshake: ${e.message}`));
    const onCloseEv = (): void => finish(new FrameError('connection closed during the handshake'));
    const onData = (chunk: Buffer): void => {
      // The handshake is a strict ping-pong; frames after the last handshake frame stay in the
      // decoder for the Connection, which takes it over.
      let done = false;
      try {
        decoder.push(chunk, (kind, payload) => {
          if (step(kind, json(payload)) === 'done') { done = true; decoder.halt(); }
        });
      } catch (e) {
        finish(e instanceof Error ? e : new Error(String(e)));
        return;
      }
      if (done) finish(undefined);
    };
    socket.on('data', onData);
    socket.on('error', onError);
    socket.on('close', onCloseEv);
  });
}

function sendJson(socket: Socket, kind: FrameKind, body: Record<string, unknown>): void {
  socket.write(encodeFrame(kind, Buffer.from(JSON.stringify(body))));
}

/** Connects to `host:port` and authenticates; rejects with AuthError when the token does not match. */
export async function dial(host: string, port: number, options: ConnectionOptions & { connectTimeoutMs?: number }): Promise<Connection> {
  const socket = await new Promise<Socket>((resolve, reject) => {
    const tls = options.tls;
    // Membership is proven by the CA and the token, not by host names (hosts come and go by address).
    const s: Socket = tls ? tlsModule().connect({ host, port, cert: tls.cert, key: tls.key, ca: tls.ca, checkServerIdentity: () => undefined }) : net().connect({ host, port });
    const timer = setTimeout(() => { s.destroy(); reject(new WeirError(`cannot connect to ${host}:${port}: timed out`, { code: 'WEIR_CLUSTER_UNREACHABLE', fault: 'external', retryable: true })); }, options.connectTimeoutMs ?? 5000);
    s.once(tls ? 'secureConnect' : 'connect', () => { clearTimeout(timer); resolve(s); });
    s.once('error', (e) => { clearTimeout(timer); reject(new WeirError(`cannot connect to ${host}:${port}: ${e.message}`, { code: 'WEIR_CLUSTER_UNREACHABLE', fault: 'external', retryable: true, cause: e })); });
  });
  const nonce = randomBytes(16).toString('hex');
  let peerRole: ClusterRole = 'jobmanager';
  let peerInfo: Record<string, unknown> = {};
  let refused: string | undefined;
  const done = handshake(socket, (kind, body) => {
    if (kind === FrameKind.Challenge) {
      // Our proof goes out either way (it reveals nothing), so the acceptor can log a wrong token as such.
      sendJson(socket, FrameKind.Response, { proof: proof(options.token, 'dial', String(body['nonce']), nonce) });
      if (!sameProof(body['proof'], proof(options.token, 'accept', nonce, String(body['nonce'])))) {
        throw new AuthError(`${host}:${port} does not know the cluster token (the tokens of the two sides differ): not connecting`);
      }
      return 'more';
    }
    if (kind === FrameKind.Welcome) {
      peerRole = body['role'] as ClusterRole;
      peerInfo = (body['info'] as Record<string, unknown> | undefined) ?? {};
      return 'done';
    }
    if (kind === FrameKind.Refused) {
      refused = String(body['reason']);
      throw new AuthError(`${host}:${port} refused this ${options.role}: ${refused}`);
    }
    throw new FrameError(`unexpected handshake frame ${kind as number}`);
  });
  sendJson(socket, FrameKind.Hello, { magic: MAGIC, role: options.role, nonce, info: options.info ?? {} });
  const decoder = await done;
  const conn = new Connection(socket, decoder, peerRole, peerInfo, options.heartbeat);
  // Frames that came with the Welcome are handed out once the caller attached its handlers.
  queueMicrotask(() => conn.feed(Buffer.alloc(0)));
  return conn;
}

/**
 * Authenticates every connection to `server`; calls `onConnection` for those that pass. Strangers
 * (wrong token, a plain TCP client, garbage, silence) are refused and logged through `log`.
 */
/** A TCP server, or with `tls` a TLS server that requires a client certificate signed by the cluster's CA. */
export function createClusterServer(tls: TlsFiles | undefined): Server {
  return tls ? tlsModule().createServer({ cert: tls.cert, key: tls.key, ca: tls.ca, requestCert: true, rejectUnauthorized: true }) : net().createServer();
}

export function acceptConnections(server: Server, options: ConnectionOptions & { log: (line: string) => void; onConnection: (conn: Connection) => void }): void {
  const tls = server instanceof tlsModule().Server;
  if (tls) {
    server.on('tlsClientError', (e: Error, socket: Socket) => {
      const from = socket.remoteAddress === undefined ? 'a peer that hung up' : `${socket.remoteAddress}:${socket.remotePort}`;
      options.log(`refused connection from ${from}: TLS handshake failed (${e.message.split('\n')[0]})`);
    });
  }
  server.on(tls ? 'secureConnection' : 'connection', (socket: Socket) => {
    const from = `${socket.remoteAddress}:${socket.remotePort}`;
    const nonce = randomBytes(16).toString('hex');
    let peerNonce = '';
    let peerRole: ClusterRole = 'client';
    let peerInfo: Record<string, unknown> = {};
    let stage: 'hello' | 'response' = 'hello';
    handshake(socket, (kind, body) => {
      if (stage === 'hello') {
        if (kind !== FrameKind.Hello || body['magic'] !== MAGIC) throw new FrameError('no Weir hello');
        const role = body['role'];
        if (role !== 'taskmanager' && role !== 'client' && role !== 'jobmanager') throw new FrameError(`unknown role ${String(role)}`);
        peerRole = role;
        peerInfo = (body['info'] as Record<string, unknown> | undefined) ?? {};
        peerNonce = String(body['nonce']);
        if (peerNonce.length < 16) throw new FrameError('nonce too short');
        sendJson(socket, FrameKind.Challenge, { nonce, proof: proof(options.token, 'accept', peerNonce, nonce) });
        stage = 'response';
        return 'more';
      }
      if (kind !== FrameKind.Response) throw new FrameError(`unexpected handshake frame ${kind as number}`);
      if (!sameProof(body['proof'], proof(options.token, 'dial', nonce, peerNonce))) {
        sendJson(socket, FrameKind.Refused, { reason: 'authentication failed (wrong cluster token)' });
        socket.end();
        throw new AuthError('authentication failed (wrong cluster token)');
      }
      sendJson(socket, FrameKind.Welcome, { role: options.role, info: options.info ?? {} });
      return 'done';
    }).then((decoder) => {
      const conn = new Connection(socket, decoder, peerRole, peerInfo, options.heartbeat);
      options.onConnection(conn);
      conn.feed(Buffer.alloc(0));
    }, (e: Error) => {
      const what = e instanceof AuthError ? e.message : `not a Weir cluster peer (${e.message})`;
      options.log(`refused connection from ${from}: ${what}`);
    });
  });
}
