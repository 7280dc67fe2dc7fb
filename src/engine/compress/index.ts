export { detectCompression, sniffBlob, SNIFF_BYTES, type Compression } from './detect';
export { decompressBlob, decompressStream, sniffStream, type DecompressOptions } from './decompress';
export { gzipStream, inlineDeflater, GZIP_CHUNK, type Deflater, type GzipOptions } from './gzip';
export {
  deflatePool,
  workerPool,
  poolServer,
  serveDeflate,
  WorkerNeverStarted,
  type DeflatePool,
  type WorkerPool,
  type PoolChannel,
  type PoolJob,
  type HashJob,
  type PoolReply,
  type DeflateReply,
  type PoolWorker,
} from './pool';
export { deflateChunk, type DeflateJob, type DeflatedChunk } from './deflate-chunk';
export { decodeGuard, type DecodeGuard } from './guard';
export { GunzipDecoder } from './gunzip';
export { ZstdDecoder } from './zstd';
export { crc32, crc32Combine } from './crc32';
