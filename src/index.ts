// Public API of Weir: what a job file imports.

/**
 * Weir's public API: what a job file imports (`import { StreamExecutionEnvironment } from 'weir'`).
 * @packageDocumentation
 * @module weir
 */

import { setInlineExecutor } from './api/launch.ts';
import { executeLocally } from './coordinator/local-executor.ts';

export { StreamExecutionEnvironment, type EnvironmentOptions } from './api/environment.ts';
export { DataStream, DataStreamSink, KeyedStream } from './api/data-stream.ts';
export { ParameterTool } from './api/params.ts';
export type { JobResult } from './api/launch.ts';
export type { CheckpointingMode, RestartStrategy, RuntimeMode } from './api/config.ts';
export type {
  FilterFunction, FlatMapFunction, KeyedProcessContext, KeyedProcessFunction, KeySelector, MapFunction, OnTimerContext,
  ProcessContext, ProcessFunction, ReduceFunction, RichFunction, RuntimeContext, TimerService,
} from './api/functions.ts';
export type { Collector, Key, FieldRef } from './core/types.ts';
export {
  WatermarkStrategy, BoundedOutOfOrdernessWatermarks,
  type WatermarkGenerator, type WatermarkGeneratorContext, type WatermarkOutput, type TimestampAssigner,
} from './api/watermark-strategy.ts';
export { OutputTag } from './api/output-tag.ts';
export {
  AsyncDataStream, AsyncRetryStrategies, RetryPredicates,
  type AsyncFunction, type AsyncFunctionObject, type AsyncRetryStrategy, type ResultFuture,
} from './api/async-data-stream.ts';
export { TimeWindow, GLOBAL_WINDOW } from './api/windows/time-window.ts';
export {
  TumblingEventTimeWindows, TumblingProcessingTimeWindows, SlidingEventTimeWindows, SlidingProcessingTimeWindows,
  EventTimeSessionWindows, ProcessingTimeSessionWindows, GlobalWindows, type WindowAssigner,
} from './api/windows/assigners.ts';
export type { AggregateFunction, ProcessWindowFunction, ProcessWindowContext } from './api/windows/window-functions.ts';
export { WindowedStream } from './api/windows/windowed-stream.ts';
export { AllWindowedStream, type ProcessAllWindowFunction } from './api/windows/all-windowed-stream.ts';
export {
  TriggerResult, EventTimeTrigger, ProcessingTimeTrigger, NeverTrigger, CountTrigger, ContinuousEventTimeTrigger,
  ContinuousProcessingTimeTrigger, PurgingTrigger, type Trigger, type TriggerContext, type KeyedStateStore,
} from './api/windows/triggers.ts';
export { CountEvictor, TimeEvictor, type Evictor, type EvictorContext, type TimestampedValue } from './api/windows/evictors.ts';
export { ConnectedStreams, BroadcastStream, BroadcastConnectedStream } from './api/two-input/connected-streams.ts';
export { IntervalJoin, IntervalJoined } from './api/two-input/interval-join.ts';
export { TwoStreamWindowBuilder, WindowedTwoStreams, type JoinFunction, type CoGroupFunction } from './api/two-input/window-join.ts';
export type {
  CoMapFunction, CoFlatMapFunction, CoProcessFunction, CoProcessContext, KeyedCoProcessFunction, KeyedCoProcessContext,
  KeyedCoOnTimerContext, ProcessJoinFunction, ProcessJoinContext, BroadcastProcessFunction, KeyedBroadcastProcessFunction,
  BroadcastContext, ReadOnlyBroadcastContext, KeyedBroadcastContext, KeyedReadOnlyBroadcastContext, KeyedBroadcastOnTimerContext,
} from './api/two-input/functions.ts';
export type { BroadcastState, ReadOnlyBroadcastState } from './state/broadcast-state.ts';
export { WeirError, ConfigError, CheckpointCorruptError, type Fault } from './core/errors.ts';
export {
  ValueStateDescriptor, ListStateDescriptor, MapStateDescriptor, ReducingStateDescriptor, AggregatingStateDescriptor,
  type ValueState, type ListState, type MapState, type ReducingState, type AggregatingState,
} from './state/index.ts';
export type { Source, SourceReader, SourceSplit, PollStatus, ReaderOutput, SplitEnumerator, SplitEnumeratorContext, SourceReaderContext } from './connectors/source.ts';
export { QueueSplitEnumerator } from './connectors/source.ts';
export type { Sink, SinkWriter, Committer } from './connectors/sink.ts';
export { TextFileSource, FileSink } from './connectors/file/index.ts';
export {
  NexmarkSource, nexmarkWatermarks, generateEvent, createGenerators, NexmarkGenerator, eventTime, eventToJson, eventFromJson,
  type NexmarkConfig, type NexmarkEvent, type NexmarkSplit, type Person, type Auction, type Bid,
} from './connectors/nexmark/index.ts';

// Plain `node job.ts` (or a test) runs the job inline in this thread; `weir run` installs its own executor.
setInlineExecutor((env, jobName) => executeLocally(env, jobName, { mode: 'inline' }));
