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
import { hashingStream, type HashPool } from '../digest/index';

const WRITES_AHEAD = 4;

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

/** `pool`: where the decoded bytes are hashed (default: this thread). */
export function decodeGuard(pool?: HashPool): DecodeGuard {
  if (typeof DecompressionStream === 'undefined')
    throw new LwError('encoder-failed', 'This platform has no DecompressionStream to check compressed layers with.');
  const ds = new DecompressionStream('gzip') as unknown as TransformStream<Uint8Array, Uint8Array>;
  const hash = hashingStream('sha256', pool);
  const writer = ds.writable.getWriter();
  const drained = ds.readable.pipeThrough(hash.stream).pipeTo(new WritableStream<Uint8Array>());
  drained.catch(() => {}); // observed in flush
  const wrap = (e: unknown) => (e instanceof LwError ? e : failed(`the decoder says: ${(e as Error)?.message ?? String(e)}`));
  // Up to WRITES_AHEAD pieces may wait for the decoder: Node's zlib decodes on its own threads, so the encoder
  // goes on with the next chunks meanwhile (waiting for each piece to be decoded first doubled the wall time of
  // an encode on a busy machine). Bounded, so a slow decoder still holds the encoder back.
  const writes: Promise<void>[] = [];
  const tap = new TransformStream<Uint8Array, Uint8Array>({
    async transform(chunk, c) {
      const w = writer.write(chunk);
      w.catch(() => {}); // awaited below or in flush
      writes.push(w);
      try {
        while (writes.length > WRITES_AHEAD) await writes.shift();
      } catch (e) {
        throw wrap(e);
      }
      c.enqueue(chunk);
    },
    async flush() {
      try {
        for (const w of writes.splice(0)) await w;
        await writer.close();
        await drained;
      } catch (e) {
        throw wrap(e);
      }
    },
  });
  return {
    tap,
    result(size) {
      const got = hash.result();
      if (got.size !== size) throw failed(`${got.size} bytes decoded, ${size} written`);
      return { diffId: got.digest, size };
    },
    abort: () => writer.abort().catch(() => {}),
  };
}
