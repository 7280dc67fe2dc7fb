// The encoder guard: every gzip layer layerwright writes is decoded again, as it is written, by an independent
// decoder — the platform's native DecompressionStream (the browser's zlib, Node's zlib), never our own code.
// A bug in the encoder (like fflate #260, which made layers no engine could read) then fails the job instead of
// shipping an image whose digests look right because they were computed from the bytes we meant to write:
//
// - the decoder must accept the whole stream, trailer included: it checks the decoded bytes against the CRC-32
//   and ISIZE that the encoder computed from the INTENDED tar bytes in the calling thread (gzip.ts, splice.ts),
//   independently of the deflate code; a stream that decodes to anything else is refused (a 2^-32 chance aside);
// - it must give exactly as many bytes as the tar we wrote;
// - the diff_id is the SHA-256 of what the decoder gave back: by construction the digest engines will compute.
//   (Hashing the intended tar as well would be a third full SHA-256 pass, the costliest part of fix and build.)

import { LwError } from '../errors';
import { poolGunzipHasher, type HashPool } from '../digest/pool-hash';

export interface DecodeGuard {
  /** Pass the gzip bytes through this; it forwards them unchanged while feeding the decoder (with back-pressure). */
  tap: TransformStream<Uint8Array, Uint8Array>;
  /**
   * After the tap has flushed: the SHA-256 of the decoded bytes (the diff_id); throws `encoder-failed` unless
   * they are exactly `size` bytes (the decoder already refused any that failed the trailer's CRC-32).
   */
  result(size: number): { diffId: string; size: number };
  /** Stops the decoder when the layer fails for another reason. */
  abort(): Promise<void>;
}

const failed = (why: string) =>
  new LwError('encoder-failed', `The compressed layer does not decode to the layer that was written (${why}); nothing was saved.`);

/**
 * `pool`: where the gzip is decoded and hashed — a pool worker, so the thread that writes the layer does neither
 * (its bytes go there in 2 MiB batches, with back-pressure); without one, this thread.
 */
export function decodeGuard(pool?: HashPool): DecodeGuard {
  if (typeof DecompressionStream === 'undefined')
    throw new LwError('encoder-failed', 'This platform has no DecompressionStream to check compressed layers with.');
  const g = poolGunzipHasher('sha256', pool);
  let got: { hex: string; size: number } | undefined;
  const wrap = (e: unknown) =>
    e instanceof LwError ? e : failed(`the decoder says: ${(e as Error)?.message ?? String(e)}`);
  const tap = new TransformStream<Uint8Array, Uint8Array>({
    async transform(chunk, c) {
      try {
        await g.update(chunk);
      } catch (e) {
        throw wrap(e);
      }
      c.enqueue(chunk);
    },
    async flush() {
      try {
        got = await g.finish();
      } catch (e) {
        throw wrap(e);
      }
    },
  });
  return {
    tap,
    result(size) {
      if (!got) throw failed('the decoder did not finish');
      if (got.size !== size) throw failed(`${got.size} bytes decoded, ${size} written`);
      return { diffId: `sha256:${got.hex}`, size };
    },
    abort: async () => g.drop(),
  };
}
