export { Sha256, toHex } from './sha256';
export {
  ONE_SHOT_LIMIT,
  sha256Bytes,
  digestBlob,
  digestStream,
  hashingStream,
  type DigestOptions,
  type StreamDigestOptions,
} from './digest';
