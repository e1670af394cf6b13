// Public API of src/serde: the batch codec that carries records between worker threads.

export { BatchEncoder, DecodeScratch, decodeBatch, encodeBatch, encodedSize } from './buffer-codec.ts';
export type { DecodedBatch } from './buffer-codec.ts';
