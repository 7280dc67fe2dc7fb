export { Sha256, toHex } from './sha256';
export { Sha512 } from './sha512';
export { digestAlgorithm, isCheckableDigest, newHasher, type DigestAlgorithm, type Hasher } from './algorithm';
export {
  ONE_SHOT_LIMIT,
  sha256Bytes,
  digestBytes,
  digestBlob,
  digestStream,
  hashingStream,
  type DigestOptions,
  type StreamDigestOptions,
} from './digest';
export { poolHasher, setHashPool, sharedHashPool, HASH_BATCH, POOL_MIN_BYTES, type AsyncHasher, type HashPool } from './pool-hash';
