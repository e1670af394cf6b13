// Public API of the file connector: a splittable text file source and an exactly-once text file sink.

export { TextFileSource, DEFAULT_MIN_SPLIT_SIZE, DEFAULT_MAX_SPLIT_SIZE, DEFAULT_READ_CHUNK_SIZE } from './text-file-source.ts';
export type { FileSplit, TextFileSourceOptions } from './text-file-source.ts';
export { TextLineReader } from './text-line-reader.ts';
export { FileSink } from './file-sink.ts';
export type { FileSinkOptions } from './file-sink.ts';
export { FileSinkWriter } from './file-sink-writer.ts';
export type { FileCommittable, FileWriterState, ProcessingTimeAware } from './file-sink-writer.ts';
export { FileCommitter } from './file-committer.ts';
export {
  RollingPolicy,
  DEFAULT_MAX_PART_SIZE,
  DEFAULT_ROLLOVER_INTERVAL,
  DEFAULT_INACTIVITY_INTERVAL,
  DEFAULT_CHECK_INTERVAL,
} from './rolling-policy.ts';
export type { RollingPolicyOptions } from './rolling-policy.ts';
