// The shuffle plug-in: how a job edge's data gets from producer subtasks to consumer subtasks, in three roles.
//
// - ShuffleMaster (JobManager side): registers a producer's finished partition (and learns its
//   size), tells whether a registered partition is still there, releases partitions.
// - Writer role: the output channels a producer's RecordWriter writes one edge into, one per
//   subpartition (consumer subtask, or key group when the consumer's parallelism is decided later).
// - Reader role: the input channel a consumer subtask reads one producer's partition through.
//
// Two implementations: pipelined (runtime/network: the streaming channels, in memory, consumed
// while produced; its master has nothing to register) and blocking on local disk
// (local-disk.ts: one sorted file per producer with an index, read after the producer
// finished). A remote shuffle service would be a third: the same three roles over the network.

import type { InputChannel } from '../../runtime/network/input-channel.ts';
import type { OutputChannel } from '../../runtime/network/output-channel.ts';

/** One producer subtask's output on one job edge, in one attempt of its region. */
export interface ResultPartitionId {
  readonly edge: number;
  readonly producer: number;
  /** The producer region's attempt: a rerun writes a new partition, never over one being read. */
  readonly attempt: number;
}

/** A registered partition: where it is and how big each subpartition is (adaptive parallelism reads the sizes). */
export interface PartitionDescriptor {
  readonly id: ResultPartitionId;
  /** Implementation-specific location (local disk: the data file's path). */
  readonly location: string;
  readonly subpartitionBytes: readonly number[];
}

export interface ShuffleMaster {
  /** The producer's region finished: its partition becomes readable; throws when it is missing or incomplete. */
  registerPartition(id: ResultPartitionId): PartitionDescriptor;
  /** Whether a registered partition can still be read (a lost one restarts its producer's region). */
  isAvailable(partition: PartitionDescriptor): boolean;
  /** Frees partitions nobody will read again. */
  releasePartitions(partitions: readonly PartitionDescriptor[]): void;
  /** Frees everything (end of the job, or its failure). */
  releaseAll(): void;
}

export interface PartitionWriterContext {
  readonly id: ResultPartitionId;
  readonly numSubpartitions: number;
  /** Buffers in flight per channel (pipelined) or bytes held before a sorted region goes to disk (blocking). */
  readonly memoryBytes: number;
  readonly operatorName: string;
}

/** Writer role: the channels of one producer's partition, ordered by subpartition. */
export interface ShuffleWriterFactory {
  createPartitionWriter(context: PartitionWriterContext): OutputChannel[];
}

export interface PartitionReaderContext {
  readonly partition: PartitionDescriptor;
  /** Subpartitions this consumer reads, in order. */
  readonly subpartitions: readonly number[];
  /** Position of the channel in the consumer's input list. */
  readonly index: number;
  /** Wakes the consumer's slot when data becomes available. */
  readonly wake: () => void;
}

/** Reader role: one input channel over one producer's partition. */
export interface ShuffleReaderFactory {
  createPartitionReader(context: PartitionReaderContext): InputChannel;
}

/** Which subpartitions consumer `subtask` of `parallelism` reads out of `numSubpartitions` (contiguous, as key groups are split). */
export function subpartitionsFor(numSubpartitions: number, parallelism: number, subtask: number): number[] {
  if (numSubpartitions === parallelism) return [subtask];
  const start = Math.ceil((subtask * numSubpartitions) / parallelism);
  const end = Math.ceil(((subtask + 1) * numSubpartitions) / parallelism) - 1;
  const out: number[] = [];
  for (let s = start; s <= end; s++) out.push(s);
  return out;
}

/** What a region's deployment tells its slots about BATCH exchanges (runtime/protocol.ts Deployment.batch). */
export interface BatchDeployment {
  /** Where the local-disk shuffle writes this job's partitions. */
  readonly shuffleDir: string;
  /** The region's attempt number: the id of the partitions it writes. */
  readonly attempt: number;
  /** Job edges with a blocking exchange. */
  readonly blockingEdges: readonly number[];
  /** Per blocking edge this region writes: its number of subpartitions (the consumer's parallelism, or maxParallelism when that is decided later). */
  readonly subpartitions: Readonly<Record<number, number>>;
  /** The partitions this region reads, by `${edge}:${producer}`. */
  readonly inputs: Readonly<Record<string, PartitionDescriptor>>;
  /** Parallelism decided at scheduling (adaptive), by vertex index: workers apply it to their graph. */
  readonly parallelism: Readonly<Record<number, number>>;
  /** Sinks hand their committables to the JobManager, which commits them once the whole job ended. */
  readonly deferCommit: boolean;
}
