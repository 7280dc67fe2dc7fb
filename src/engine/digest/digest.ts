// Digests as OCI writes them ("sha256:<hex>", or "sha512:<hex>" when asked). Bounded inputs go through
// WebCrypto's one-shot digest (700+ MB/s, but it needs the whole input in memory); anything larger or of
// unknown length streams through the incremental Sha256 / Sha512 so memory stays flat.

import { LwError, asLwError, throwIfAborted } from '../errors';
import type { OpOptions } from '../env';
import { sliceStream } from '../io';
import { toHex } from './block-hash';
import { newHasher, WEBCRYPTO_NAME, type DigestAlgorithm } from './algorithm';
import { poolHasher, type HashPool } from './pool-hash';

/** Blobs up to this size are read whole and hashed by WebCrypto; larger ones are streamed. */
export const ONE_SHOT_LIMIT = 32 * 1024 * 1024;
/** Progress is reported at most once per this many bytes (a worker posts a message per report). */
const PROGRESS_STEP = 4 * 1024 * 1024;

export interface DigestOptions extends OpOptions {
  /** Overrides ONE_SHOT_LIMIT (tests use it to force either path). */
  oneShotLimit?: number;
  /** sha256 unless told (verify passes the algorithm of the digest it checks). */
  algorithm?: DigestAlgorithm;
}

export interface StreamDigestOptions extends OpOptions {
  /** Expected length, passed to onProgress as `total`; 0 (unknown) when omitted. */
  total?: number;
  /** sha256 unless told. */
  algorithm?: DigestAlgorithm;
}

function subtle(): SubtleCrypto {
  const s = globalThis.crypto?.subtle;
  if (!s) throw new LwError('unsupported-media-type', 'This environment has no WebCrypto (crypto.subtle).');
  return s;
}

/** "sha256:<hex>" of bytes in memory, by WebCrypto. */
export async function sha256Bytes(data: Uint8Array): Promise<string> {
  return digestBytes(data, 'sha256');
}

/** "<alg>:<hex>" of bytes in memory, by WebCrypto. */
export async function digestBytes(data: Uint8Array, alg: DigestAlgorithm): Promise<string> {
  const d = await subtle().digest(WEBCRYPTO_NAME[alg], data as Uint8Array<ArrayBuffer>);
  return `${alg}:` + toHex(new Uint8Array(d));
}

/** "sha256:<hex>" of a Blob: one WebCrypto call when small, else streamed with progress and cancellation. */
export async function digestBlob(blob: Blob, opts: DigestOptions = {}): Promise<string> {
  const { signal, onProgress } = opts;
  const alg = opts.algorithm ?? 'sha256';
  const limit = opts.oneShotLimit ?? ONE_SHOT_LIMIT;
  const total = blob.size;
  throwIfAborted(signal);
  if (total <= limit) {
    onProgress?.(0, total);
    let buf: ArrayBuffer;
    try {
      buf = await blob.arrayBuffer();
    } catch (e) {
      throw readError(e);
    }
    throwIfAborted(signal);
    if (buf.byteLength !== total)
      throw new LwError('truncated', `Read ${buf.byteLength} bytes of a blob of ${total} bytes.`);
    const d = await digestBytes(new Uint8Array(buf), alg);
    onProgress?.(total, total);
    return d;
  }
  const r = await digestStream(sliceStream(blob, { signal }), { signal, onProgress, total, algorithm: alg });
  if (r.size !== total) throw new LwError('truncated', `Read ${r.size} bytes of a blob of ${total} bytes.`);
  return r.digest;
}

/** Hashes a stream to its end; cancels the source if aborted. */
export async function digestStream(
  src: ReadableStream<Uint8Array>,
  opts: StreamDigestOptions = {},
): Promise<{ digest: string; size: number }> {
  const { signal, onProgress } = opts;
  const total = opts.total ?? 0;
  const alg = opts.algorithm ?? 'sha256';
  const h = newHasher(alg);
  let size = 0;
  let reported = 0;
  const reader = src.getReader();
  try {
    onProgress?.(0, total);
    for (;;) {
      throwIfAborted(signal);
      let r: ReadableStreamReadResult<Uint8Array>;
      try {
        r = await reader.read();
      } catch (e) {
        throw readError(e);
      }
      if (r.done) break;
      h.update(r.value);
      size += r.value.length;
      if (onProgress && size - reported >= PROGRESS_STEP) {
        reported = size;
        onProgress(size, total);
      }
    }
    onProgress?.(size, total);
    return { digest: `${alg}:` + h.hex(), size };
  } catch (e) {
    reader.cancel().catch(() => {});
    throw e;
  } finally {
    reader.releaseLock();
  }
}

/**
 * A pass-through that hashes and counts what flows through it, e.g. while a layer is written out.
 * result() is valid once the readable side has ended. With a `pool`, the hash runs in one of its workers
 * (digest/pool-hash.ts; the chunks flow on, so they are copied there) and the stream waits while too many are
 * in flight.
 */
export function hashingStream(alg: DigestAlgorithm = 'sha256', pool?: HashPool): {
  stream: TransformStream<Uint8Array, Uint8Array>;
  result(): { digest: string; size: number };
} {
  const h = poolHasher(alg, pool);
  let size = 0;
  let digest: string | null = null;
  const stream = new TransformStream<Uint8Array, Uint8Array>({
    async transform(chunk, ctrl) {
      await h.update(chunk);
      size += chunk.length;
      ctrl.enqueue(chunk);
    },
    async flush() {
      digest = `${alg}:` + (await h.hex());
    },
  });
  return {
    stream,
    result() {
      if (digest === null)
        throw new LwError('invalid-argument', 'hashingStream().result() read before the stream ended.');
      return { digest, size };
    },
  };
}

// Reading a Blob fails when a File changed or vanished on disk after it was picked (NotReadableError).
function readError(e: unknown): LwError {
  if (e instanceof LwError) return e;
  const name = (e as { name?: string } | null)?.name;
  if (name === 'NotReadableError' || name === 'NotFoundError')
    return new LwError('truncated', `The file could not be read any more (changed or removed on disk?): ${String((e as Error).message ?? e)}`);
  return asLwError(e);
}
