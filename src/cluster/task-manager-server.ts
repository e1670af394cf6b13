// `weir taskmanager`: a TaskManager process — registers its slots with the JobManager, runs one worker thread per slot, carries slot links over TCP.
//
// Within this process the slots of one execution are linked pairwise by MessagePorts, exactly
// as in local mode. A link to a slot on another TaskManager is a MessagePort whose far end is
// this process's main thread, which multiplexes every such link of every execution onto ONE
// authenticated TCP connection per pair of TaskManagers (the one with the smaller id dials).
// The LinkMessage credit protocol runs end to end between the two worker threads, so a slow
// consumer backpressures its producer across hosts exactly as across threads; a credit over TCP
// carries no buffer (the producer encodes into a fresh one).

import type { Server } from 'node:net';
import { availableParallelism, totalmem } from 'node:os';
import { deserialize, serialize } from 'node:v8';
import { MessageChannel, type MessagePort, type Worker } from 'node:worker_threads';
import { serializeError } from '../runtime/operator-error.ts';
import type { ManagerToSlot, SlotToManager } from '../runtime/protocol.ts';
import type { LinkMessage } from '../runtime/slot.ts';
import { spawnSlotWorker } from '../runtime/task-manager.ts';
import { BlobStore } from './blob-store.ts';
import { acceptConnections, dial, type Connection, type HeartbeatSettings, type TlsFiles, createClusterServer } from './connection.ts';
import { FrameKind } from './frame.ts';
import type { ExecDeployment, HostPort, JobManagerToTaskManager, TaskManagerToJobManager } from './messages.ts';
import { fsStateWriter, writeAckState, type CheckpointStateWriter } from './state-files.ts';
import { TaskManagerMetrics } from './task-manager-metrics.ts';
import { compareEpochs } from '../ha/types.ts';

export interface TaskManagerServerOptions {
  readonly jobmanager: HostPort;
  /** HA: the current leader's address, looked up before each connection attempt (`src/ha/cluster-ha.ts`); else always `jobmanager`. */
  readonly resolveJobManager?: () => Promise<HostPort>;
  readonly slots: number;
  /** Address the data port binds to (and is advertised as, unless it is a wildcard). */
  readonly bindHost: string;
  readonly dataPort: number;
  readonly token: Buffer;
  readonly tls?: TlsFiles | undefined;
  readonly heartbeat: HeartbeatSettings;
  readonly cacheDir: string;
  readonly log: (line: string) => void;
  /** Where checkpoint state files go (default: the filesystem path the JobManager names). */
  readonly stateWriter?: CheckpointStateWriter;
}

const WORKER_SCRIPT = "import { workerMain, loadJob } from './bundle.mjs';\nworkerMain(loadJob);\n";
/** Link frames that arrive for an execution not deployed here yet are held, up to this many. */
const MAX_EARLY_FRAMES = 10_000;
const RECONNECT_MS = 500;

interface Execution {
  readonly deployment: ExecDeployment;
  readonly workers: Worker[];
  /** `${local slot}:${remote slot}` → the main thread's end of that link. */
  readonly ports: Map<string, MessagePort>;
  /** Link frames that came before the ports existed. */
  inbox: (() => void)[] | undefined;
  /** Commands that came before the workers existed. */
  pending: ManagerToSlot[] | undefined;
  stopping: boolean;
  /** Checkpoint id → its directory (from trigger-checkpoint), where this TaskManager writes its tasks' state. */
  readonly checkpointDirs: Map<number, string>;
  /** Events to the JobManager keep their order, also while an ack waits for its state files. */
  outbox: Promise<void>;
}

interface Peer {
  conn: Connection | undefined;
  readonly queue: ((c: Connection) => void)[];
  dialing: boolean;
}

type LinkFrame = [FrameKind, number, number, number, number, Buffer];

export class ClusterTaskManagerServer {
  readonly #options: TaskManagerServerOptions;
  readonly #blobs: BlobStore;
  readonly #dataServer: Server;
  readonly #execs = new Map<number, Execution>();
  readonly #cancelled = new Set<number>();
  readonly #early = new Map<number, LinkFrame[]>();
  #earlyCount = 0;
  readonly #peers = new Map<string, Peer>();
  readonly #bundleWaiters = new Map<string, ((bytes: Uint8Array | undefined) => void)[]>();
  #control: Connection | undefined;
  /** host:port of the JobManager the control connection goes (or went) to. */
  #jobmanagerAt = '';
  #tmId: string | undefined;
  #data: HostPort | undefined;
  #stopped = false;
  /**
   * The newest JobManager epoch this TaskManager has seen (from a registration, a command, or
   * etcd naming a new leader): commands of an older epoch come from a stale leader and are refused.
   */
  #epoch: string | undefined;
  /** Refusals logged per stale epoch (the first few only: a stale leader may send many). */
  readonly #refusals = new Map<string, number>();
  /** Its subtasks' figures, for `--metrics-port` (task-manager-metrics.ts). */
  readonly metrics: TaskManagerMetrics;
  /** Resolves when the first registration succeeded (tests and `weir cluster start` wait for it). */
  readonly registered: Promise<string>;
  #onRegistered!: (id: string) => void;

  constructor(options: TaskManagerServerOptions) {
    this.#options = options;
    this.#blobs = new BlobStore(options.cacheDir);
    this.metrics = new TaskManagerMetrics(options.slots);
    this.registered = new Promise((r) => { this.#onRegistered = r; });
    this.#dataServer = createClusterServer(options.tls);
    acceptConnections(this.#dataServer, {
      token: options.token, tls: options.tls, role: 'taskmanager', heartbeat: options.heartbeat, log: options.log,
      info: {},
      onConnection: (conn) => {
        const peerId = conn.peerInfo['tmId'];
        if (conn.peerRole !== 'taskmanager' || typeof peerId !== 'string') {
          options.log(`refused data connection from ${conn.remote}: only TaskManagers connect here (role ${conn.peerRole})`);
          conn.close('not a TaskManager');
          return;
        }
        this.#attachPeer(peerId, conn);
      },
    });
  }

  get tmId(): string | undefined {
    return this.#tmId;
  }

  async start(): Promise<HostPort> {
    await new Promise<void>((resolve, reject) => {
      this.#dataServer.once('error', reject);
      this.#dataServer.listen(this.#options.dataPort, this.#options.bindHost, () => { this.#dataServer.off('error', reject); resolve(); });
    });
    const a = this.#dataServer.address() as { address: string; port: number };
    this.#data = { host: a.address, port: a.port };
    void this.#connectLoop();
    return this.#data;
  }

  stop(): void {
    this.#stopped = true;
    this.#dataServer.close();
    this.#control?.close('TaskManager shutting down');
    this.#dropEverything('TaskManager shutting down');
  }

  // ---- control connection to the JobManager ----

  /** HA: etcd names a new leader; a connection to another JobManager is dropped (with its executions) and the TaskManager registers with the leader. */
  leaderChanged(leader: HostPort, epoch?: string): void {
    if (epoch !== undefined) this.#seeEpoch(epoch);
    const at = `${leader.host}:${leader.port}`;
    if (this.#control !== undefined && this.#jobmanagerAt !== at) this.#control.close(`the JobManager leader is now ${at}`);
  }

  async #connectLoop(): Promise<void> {
    let failures = 0;
    while (!this.#stopped) {
      let conn: Connection;
      let host: string;
      let port: number;
      try {
        ({ host, port } = this.#options.resolveJobManager ? await this.#options.resolveJobManager() : this.#options.jobmanager);
      } catch (e) {
        if (failures++ % 20 === 0) this.#options.log(`cannot find the JobManager leader: ${(e as Error).message}; retrying`);
        await new Promise((r) => setTimeout(r, RECONNECT_MS));
        continue;
      }
      this.#jobmanagerAt = `${host}:${port}`;
      try {
        conn = await dial(host, port, { token: this.#options.token, tls: this.#options.tls, role: 'taskmanager', heartbeat: this.#options.heartbeat });
      } catch (e) {
        if (failures++ % 20 === 0) this.#options.log(`cannot reach the JobManager at ${host}:${port}: ${(e as Error).message}; retrying`);
        if ((e as { code?: string }).code === 'WEIR_CLUSTER_AUTH') this.#options.log('the cluster token of this TaskManager and the JobManager differ');
        await new Promise((r) => setTimeout(r, RECONNECT_MS));
        continue;
      }
      failures = 0;
      const closed = new Promise<string>((r) => conn.onClose(r));
      this.#control = conn;
      conn.onControl = (m) => this.#onJobManagerMessage(m as JobManagerToTaskManager, conn);
      let data = this.#data!;
      if (data.host === '0.0.0.0' || data.host === '::') data = { host: conn.socket.localAddress ?? '127.0.0.1', port: data.port };
      conn.sendControl({ type: 'register', slots: this.#options.slots, data, hardware: { cpuCores: availableParallelism(), physicalMemory: totalmem() } } satisfies TaskManagerToJobManager);
      const reason = await closed;
      this.#control = undefined;
      if (this.#stopped) return;
      this.#options.log(`lost the JobManager (${reason}): cancelling ${this.#execs.size} execution(s), registering again`);
      this.#tmId = undefined;
      this.#dropEverything(`JobManager lost: ${reason}`);
      await new Promise((r) => setTimeout(r, RECONNECT_MS));
    }
  }

  #dropEverything(reason: string): void {
    for (const exec of [...this.#execs.keys()]) this.#cancel(exec);
    for (const peer of this.#peers.values()) peer.conn?.close(reason);
    this.#peers.clear();
    this.#early.clear();
    this.#earlyCount = 0;
  }

  #send(m: TaskManagerToJobManager): void {
    this.#control?.sendControl(m);
  }

  /** Raises the newest epoch seen; false when `epoch` is older than it (a stale leader). */
  #seeEpoch(epoch: string): boolean {
    if (this.#epoch !== undefined && compareEpochs(epoch, this.#epoch) < 0) return false;
    if (this.#epoch !== epoch) this.#refusals.clear();
    this.#epoch = epoch;
    return true;
  }

  /** Fencing: a message of an older epoch than the newest seen is dropped (and said, a few times per epoch). */
  #fenced(m: JobManagerToTaskManager, conn: Connection): boolean {
    // A JobManager without the field (none in this version) counts as epoch 0.
    const epoch = (m as { epoch?: string }).epoch ?? '0';
    if (this.#seeEpoch(epoch)) return false;
    const n = (this.#refusals.get(epoch) ?? 0) + 1;
    this.#refusals.set(epoch, n);
    if (n <= 5) {
      const exec = 'exec' in m ? m.exec : m.type === 'deploy-exec' ? m.deployment.exec : undefined;
      this.#options.log(`refused ${m.type}${exec !== undefined ? ` of execution ${exec}` : ''} from the JobManager at ${conn.remote}: its epoch ${epoch} is older than epoch ${this.#epoch} this TaskManager has seen (a stale leader)${n === 5 ? '; further refusals of this epoch are not logged' : ''}`);
    }
    return true;
  }

  #onJobManagerMessage(m: JobManagerToTaskManager, conn: Connection): void {
    if (m.type !== 'bundle' && this.#fenced(m, conn)) {
      // A stale leader that this TaskManager registered with: leave it, look the leader up again.
      if (m.type === 'registered') conn.close(`the JobManager's epoch ${m.epoch} is older than epoch ${this.#epoch}`);
      return;
    }
    switch (m.type) {
      case 'registered':
        this.#tmId = m.tmId;
        this.#options.log(`registered with the JobManager at ${this.#jobmanagerAt} as ${m.tmId} (${this.#options.slots} slot(s), data port ${this.#data!.host}:${this.#data!.port})`);
        this.#onRegistered(m.tmId);
        return;
      case 'deploy-exec':
        void this.#deploy(m.deployment);
        return;
      case 'command': {
        const ex = this.#execs.get(m.exec);
        if (!ex) return;
        if (m.command.type === 'trigger-checkpoint' && m.command.path !== undefined) {
          ex.checkpointDirs.set(m.command.checkpointId, m.command.path);
          for (const id of ex.checkpointDirs.keys()) if (id < m.command.checkpointId - 8) ex.checkpointDirs.delete(id);
        }
        if (m.command.type === 'deploy') this.metrics.deployment(m.exec, m.command.deployment);
        if (ex.pending) ex.pending.push(m.command);
        else for (const w of ex.workers) w.postMessage(m.command);
        return;
      }
      case 'cancel-exec':
        this.#cancel(m.exec);
        return;
      case 'bundle': {
        const waiters = this.#bundleWaiters.get(m.hash) ?? [];
        this.#bundleWaiters.delete(m.hash);
        for (const w of waiters) w(m.bytes);
        return;
      }
    }
  }

  async #bundle(hash: string): Promise<string> {
    if (this.#blobs.has(hash)) return this.#blobs.bundlePath(hash);
    const bytes = await new Promise<Uint8Array | undefined>((resolve) => {
      const list = this.#bundleWaiters.get(hash);
      if (list) list.push(resolve);
      else { this.#bundleWaiters.set(hash, [resolve]); this.#send({ type: 'get-bundle', hash }); }
    });
    if (!bytes) throw new Error(`the JobManager has no job bundle ${hash}`);
    const path = this.#blobs.put(hash, bytes);
    this.#options.log(`cached job bundle ${hash.slice(0, 12)} (${bytes.byteLength} bytes)`);
    return path;
  }

  // ---- executions ----

  async #deploy(d: ExecDeployment): Promise<void> {
    const ex: Execution = { deployment: d, workers: [], ports: new Map(), inbox: [], pending: [], stopping: false, checkpointDirs: new Map(), outbox: Promise.resolve() };
    this.#execs.set(d.exec, ex);
    this.metrics.deployed(d.exec, d.jobId, d.slots);
    const writer = this.#options.stateWriter ?? fsStateWriter;
    const report = (event: SlotToManager): void => {
      if (!ex.stopping) this.metrics.event(d.exec, event);
      const dir = event.type === 'ack' ? ex.checkpointDirs.get(event.checkpointId) : undefined;
      const ready = event.type === 'ack' && dir !== undefined ? writeAckState(event, dir, writer, this.#tmId ?? 'tm-?') : event;
      ex.outbox = ex.outbox.then(async () => {
        const e = await ready;
        if (!ex.stopping) this.#send({ type: 'event', exec: d.exec, event: e });
      });
    };
    try {
      await this.#bundle(d.bundleHash);
      if (ex.stopping) return;
      const script = this.#blobs.script(d.bundleHash, 'worker.mjs', WORKER_SCRIPT);
      for (const [id, address] of Object.entries(d.peers)) if (id !== this.#tmId) this.#ensurePeer(id, address);
      const mine = new Set(d.slots);
      const links = new Map<number, Record<number, MessagePort>>(d.slots.map((s) => [s, {}]));
      for (const i of d.slots) {
        for (const j of d.slots) {
          if (i >= j) continue;
          const { port1, port2 } = new MessageChannel();
          links.get(i)![j] = port1;
          links.get(j)![i] = port2;
        }
        for (const r of d.execSlots ?? Array.from({ length: d.numSlots }, (_, k) => k)) {
          if (mine.has(r)) continue;
          const { port1, port2 } = new MessageChannel();
          links.get(i)![r] = port1;
          const owner = d.owners[r]!;
          port2.on('message', (m: LinkMessage) => this.#forward(d.exec, owner, r, i, m));
          ex.ports.set(`${i}:${r}`, port2);
        }
      }
      const inbox = ex.inbox ?? [];
      ex.inbox = undefined;
      for (const deliver of inbox) deliver();
      for (const frames of this.#early.get(d.exec) ?? []) this.#onLink(...frames);
      this.#earlyCount -= this.#early.get(d.exec)?.length ?? 0;
      this.#early.delete(d.exec);
      for (const slot of d.slots) {
        ex.workers.push(spawnSlotWorker(script, { slot, numSlots: d.numSlots, links: links.get(slot)!, jobArgs: d.jobArgs, defaults: d.defaults }, report, () => ex.stopping));
      }
      const pending = ex.pending ?? [];
      ex.pending = undefined;
      for (const c of pending) for (const w of ex.workers) w.postMessage(c);
    } catch (e) {
      report({ type: 'failed', slot: d.slots[0] ?? 0, error: serializeError(e) });
    }
  }

  #cancel(exec: number): void {
    const ex = this.#execs.get(exec);
    this.#cancelled.add(exec);
    if (this.#cancelled.size > 1000) this.#cancelled.delete(this.#cancelled.values().next().value as number);
    this.metrics.removed(exec);
    if (!ex) return;
    ex.stopping = true;
    this.#execs.delete(exec);
    for (const w of ex.workers) void w.terminate();
    for (const p of ex.ports.values()) p.close();
  }

  // ---- data plane ----

  #ensurePeer(id: string, address: HostPort): Peer {
    let peer = this.#peers.get(id);
    if (!peer) {
      peer = { conn: undefined, queue: [], dialing: false };
      this.#peers.set(id, peer);
    }
    if (!peer.conn && !peer.dialing && tmNumber(this.#tmId) < tmNumber(id)) {
      peer.dialing = true;
      const p = peer;
      dial(address.host, address.port, { token: this.#options.token, tls: this.#options.tls, role: 'taskmanager', heartbeat: this.#options.heartbeat, info: { tmId: this.#tmId } }).then(
        (conn) => { p.dialing = false; this.#attachPeer(id, conn); },
        (e: Error) => {
          p.dialing = false;
          this.#options.log(`cannot open the data connection to TaskManager ${id} at ${address.host}:${address.port}: ${e.message}`);
          this.#peerLost(id, `cannot connect: ${e.message}`);
        },
      );
    }
    return peer;
  }

  #attachPeer(id: string, conn: Connection): void {
    let peer = this.#peers.get(id);
    if (!peer) {
      peer = { conn: undefined, queue: [], dialing: false };
      this.#peers.set(id, peer);
    }
    if (peer.conn && !peer.conn.closed) peer.conn.close('replaced by a newer connection');
    peer.conn = conn;
    conn.onLink = (kind, exec, dst, src, channel, payload) => this.#onLink(kind, exec, dst, src, channel, payload);
    conn.onClose((reason) => {
      if (this.#peers.get(id)?.conn !== conn) return;
      this.#peers.delete(id);
      if (!this.#stopped) this.#peerLost(id, reason);
    });
    for (const f of peer.queue.splice(0)) f(conn);
  }

  /** A data connection broke: every execution with slots on that peer fails (the JobManager restarts it). */
  #peerLost(id: string, reason: string): void {
    for (const [exec, ex] of this.#execs) {
      if (ex.stopping || !ex.deployment.owners.includes(id)) continue;
      this.#send({
        type: 'event', exec,
        event: { type: 'failed', slot: ex.deployment.slots[0] ?? 0, error: { name: 'DataConnectionLost', message: `data connection from TaskManager ${this.#tmId} to ${id} lost: ${reason}`, code: 'WEIR_DATA_CONNECTION_LOST', fault: 'external', retryable: true, stack: undefined } },
      });
    }
  }

  /** A worker's link message to a slot on another TaskManager → one frame on the connection to that TaskManager. */
  #forward(exec: number, owner: string, dst: number, src: number, m: LinkMessage): void {
    let kind: FrameKind;
    let channel: number;
    let payload: Uint8Array | null;
    if ('k' in m) { kind = FrameKind.LinkCredit; channel = m.k; payload = null; }
    else if ('b' in m) { kind = FrameKind.LinkData; channel = m.c; payload = new Uint8Array(m.b); }
    else { kind = FrameKind.LinkEvent; channel = m.c; payload = serialize(m.e); }
    const peer = this.#peers.get(owner);
    if (peer?.conn && !peer.conn.closed) peer.conn.sendLink(kind, exec, dst, src, channel, payload);
    else if (peer) peer.queue.push((c) => c.sendLink(kind, exec, dst, src, channel, payload));
  }

  #onLink(kind: FrameKind, exec: number, dst: number, src: number, channel: number, payload: Buffer): void {
    const ex = this.#execs.get(exec);
    if (!ex) {
      if (this.#cancelled.has(exec) || this.#earlyCount >= MAX_EARLY_FRAMES) return;
      const list = this.#early.get(exec) ?? [];
      list.push([kind, exec, dst, src, channel, Buffer.from(payload)]);
      this.#early.set(exec, list);
      this.#earlyCount++;
      return;
    }
    if (ex.inbox) {
      const copy = Buffer.from(payload);
      ex.inbox.push(() => this.#onLink(kind, exec, dst, src, channel, copy));
      return;
    }
    const port = ex.ports.get(`${dst}:${src}`);
    if (!port) return;
    if (kind === FrameKind.LinkData) {
      const ab = new ArrayBuffer(payload.length);
      new Uint8Array(ab).set(payload);
      port.postMessage({ c: channel, b: ab } satisfies LinkMessage, [ab]);
    } else if (kind === FrameKind.LinkCredit) {
      port.postMessage({ k: channel, b: null } satisfies LinkMessage);
    } else {
      port.postMessage({ c: channel, e: deserialize(payload) } as LinkMessage);
    }
  }
}

function tmNumber(id: string | undefined): number {
  return Number(id?.slice(3) ?? Number.NaN);
}
