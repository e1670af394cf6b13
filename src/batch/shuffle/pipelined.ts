// The pipelined implementation of the shuffle roles: the streaming channels of runtime/network, in memory, consumed while produced.

import type { ChannelPlan } from '../../runtime/network/channel-plan.ts';
import type { ChannelInfo } from '../../runtime/network/channel-plan.ts';
import type { InputChannel } from '../../runtime/network/input-channel.ts';
import type { OutputChannel } from '../../runtime/network/output-channel.ts';
import type {
  PartitionDescriptor, PartitionReaderContext, PartitionWriterContext, ResultPartitionId, ShuffleMaster, ShuffleReaderFactory, ShuffleWriterFactory,
} from './api.ts';

/** The descriptor of a pipelined partition: nothing to register, it lives in the channels while both ends run. */
export function pipelinedPartition(id: ResultPartitionId): PartitionDescriptor {
  return { id, location: 'pipelined', subpartitionBytes: [] };
}

/** An adapter: the slot's channel factories behind the writer and reader roles. */
export class PipelinedShuffle implements ShuffleWriterFactory, ShuffleReaderFactory {
  readonly #plan: ChannelPlan;
  readonly #output: (info: ChannelInfo) => OutputChannel;
  readonly #input: (info: ChannelInfo, index: number) => InputChannel;
  #byEnds: Map<string, ChannelInfo> | undefined;

  constructor(plan: ChannelPlan, output: (info: ChannelInfo) => OutputChannel, input: (info: ChannelInfo, index: number) => InputChannel) {
    this.#plan = plan;
    this.#output = output;
    this.#input = input;
  }

  /** One channel per consumer subtask the producer feeds (the channel plan's order). */
  createPartitionWriter(context: PartitionWriterContext): OutputChannel[] {
    return this.#plan.outputsOf(context.id.edge, context.id.producer).map((info) => this.#output(info));
  }

  createPartitionReader(context: PartitionReaderContext): InputChannel {
    const { edge, producer } = context.partition.id;
    const consumer = context.subpartitions[0];
    this.#byEnds ??= new Map(this.#plan.channels.map((c) => [`${c.edge}:${c.producerSubtask}:${c.consumerSubtask}`, c]));
    const info = this.#byEnds.get(`${edge}:${producer}:${consumer}`);
    if (info === undefined) throw new Error(`internal: no pipelined channel for edge ${edge} from ${producer} to ${consumer}`);
    return this.#input(info, context.index);
  }
}

/** The pipelined master: nothing is stored, so nothing is registered, lost or released. */
export const PIPELINED_MASTER: ShuffleMaster = {
  registerPartition: (id) => pipelinedPartition(id),
  isAvailable: () => true,
  releasePartitions: () => {},
  releaseAll: () => {},
};
