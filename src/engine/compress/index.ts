export { detectCompression, sniffBlob, SNIFF_BYTES, type Compression } from './detect';
export { decompressBlob, decompressStream, sniffStream, type DecompressOptions } from './decompress';
export { gzipStream, inlineDeflater, type Deflater } from './gzip';
export { GunzipDecoder } from './gunzip';
export { ZstdDecoder } from './zstd';
export { crc32 } from './crc32';
