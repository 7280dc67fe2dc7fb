// The project's ONE layer encoder (fix rewrites layers with it, build makes new ones). One streaming pass:
//
//   TarWriter -> coalesce -> deterministic gzip -> decode guard (-> sha256 of the decoded bytes = diff_id)
//                                                -> sha256 (digest) -> env.scratch
//
// Deterministic: the same tar bytes always give the same blob (chunked fflate deflateSync at a fixed level,
// gzip header mtime 0 and no name — see compress/gzip.ts), in the browser and in Node, for any number of
// deflate workers, so the same input image fixed twice yields byte-identical output.
// Checked: the decode guard (compress/guard.ts) inflates the gzip again with the platform's native decoder as it
// is written; unless that gives back exactly the tar's bytes (its size, and the CRC-32 the encoder took of them in
// this thread) the layer fails with `encoder-failed`. The diff_id is the SHA-256 of the decoded bytes.
// Fast: with a worker pool as env.deflater, deflate and both SHA-256 streams run in its workers, inflate (the
// guard) in the platform's decoder, the tar in this thread. An uncompressed layer's diff_id is its digest.
// Memory stays flat: chunks flow through with backpressure, nothing is kept but the scratch file.

import { TarWriter } from '../tar/writer';
import { checkLevel, gzipStream } from '../compress/gzip';
import { decodeGuard } from '../compress/guard';
import { hashingStream, type HashPool } from '../digest/index';
import { LwError, asLwError, throwIfAborted } from '../errors';
import type { EncoderEnv, OpOptions, Scratch } from '../env';
import { MediaType, layerCompression, type Descriptor } from '../oci/types';

/** Default gzip level of the layers layerwright writes. Changing it changes every output digest: don't, casually. */
export const LAYER_GZIP_LEVEL = 6;

export interface EncodedLayer {
  /** The stored layer (a scratch file: OPFS in the browser, a temp file under Node). */
  blob: Blob;
  /** mediaType (as requested), digest and size of `blob`. */
  descriptor: Descriptor;
  /** sha256 of the uncompressed tar, for rootfs.diff_ids. */
  diffId: string;
  /** Bytes of the uncompressed tar. */
  tarSize: number;
}

export interface EncodeLayerOptions extends OpOptions {
  /**
   * Media type of the result; its compression is what is written: `+gzip` / Docker `.tar.gzip` -> gzip,
   * plain `tar` -> uncompressed (digest == diffId). zstd is not written (no pure-JS encoder we trust): ask for
   * gzip. Default: OCI tar+gzip.
   */
  mediaType?: string;
  /** Descriptor annotations to attach. */
  annotations?: Record<string, string>;
  /** Expected uncompressed size, reported to onProgress as `total` (0 = unknown). */
  total?: number;
  /** Scratch file name hint. */
  name?: string;
  /** gzip level 0-9 (default: env.gzipLevel, else LAYER_GZIP_LEVEL). */
  level?: number;
  /**
   * The gzip encoder to use instead of the chunked one (fix's deflate splicer, compress/splice.ts): tar bytes in,
   * gzip out. The decode guard checks its output like any other.
   */
  gzip?: TransformStream<Uint8Array, Uint8Array>;
}

function hashPoolOf(d: unknown): HashPool | undefined {
  return d && typeof (d as HashPool).channel === 'function' ? (d as HashPool) : undefined;
}

/** Chunks below this are merged before hashing/deflating: per-chunk overhead dominates on 512-byte headers. */
const COALESCE = 64 * 1024;

/**
 * Streams the tar that `write` produces into a new layer blob. `write` adds entries (add/addRaw); encodeLayer
 * calls `finish()` (end-of-archive blocks) itself afterwards. On any failure or cancellation the scratch file
 * is discarded and an LwError is thrown: no partial layer ever escapes.
 */
export async function encodeLayer(
  write: (w: TarWriter) => Promise<void>,
  env: { scratch: Scratch } & EncoderEnv,
  opts: EncodeLayerOptions = {},
): Promise<EncodedLayer> {
  const mediaType = opts.mediaType ?? MediaType.OciLayerGzip;
  const compression = layerCompression(mediaType);
  if (compression !== 'gzip' && compression !== 'none')
    throw new LwError('unsupported-media-type', `Layers can be written as tar or tar+gzip, not ${mediaType}.`);
  const { signal, onProgress } = opts;
  const level = checkLevel(opts.level ?? env.gzipLevel ?? LAYER_GZIP_LEVEL);
  throwIfAborted(signal);

  const file = await env.scratch.create(opts.name ?? 'layer');
  // A worker pool (env.deflater, when it is one) also runs the digest's hash and the guard (decode + diff_id hash).
  const pool = hashPoolOf(env.deflater);
  const stored = hashingStream('sha256', pool);
  const input = new TransformStream<Uint8Array, Uint8Array>();
  let chain = input.readable;
  const guard = compression === 'gzip' ? decodeGuard(pool) : undefined;
  if (guard) chain = chain.pipeThrough(opts.gzip ?? gzipStream({ level, deflater: env.deflater })).pipeThrough(guard.tap);
  chain = chain.pipeThrough(stored.stream);
  const piped = chain.pipeTo(new WritableStream<Uint8Array>({ write: (c) => file.write(c) }));
  piped.catch(() => {}); // observed below; avoid an unhandled rejection while the writer is still busy

  const writer = input.writable.getWriter();
  let buf = new Uint8Array(COALESCE * 4);
  let fill = 0;
  let done = 0;
  const total = opts.total ?? 0;
  const flush = async () => {
    if (fill === 0) return;
    const out = buf.subarray(0, fill);
    buf = new Uint8Array(COALESCE * 4);
    fill = 0;
    await writer.write(out);
  };
  const sink = async (chunk: Uint8Array) => {
    throwIfAborted(signal);
    done += chunk.length;
    if (chunk.length >= COALESCE) {
      await flush();
      // The caller may reuse its buffer once we return. A gzip layer's first stage (gzipStream, the splicer) copies
      // the chunk in its transform, and a write settles only after that transform: no copy needed here. A plain tar
      // goes on as it is (to the hash and the file), so it is copied.
      await writer.write(compression === 'gzip' ? chunk : chunk.slice());
    } else {
      if (fill + chunk.length > buf.length) await flush();
      buf.set(chunk, fill);
      fill += chunk.length;
      if (fill >= COALESCE) await flush();
    }
    onProgress?.(done, total, 'writing layer');
  };

  try {
    const tw = new TarWriter(sink);
    await write(tw);
    await tw.finish();
    await flush();
    await writer.close();
    await piped;
    throwIfAborted(signal);
    const s = stored.result();
    const d = guard ? guard.result(done) : { diffId: s.digest, size: s.size };
    if (d.size !== done) throw new LwError('write-failed', `The layer holds ${d.size} bytes, ${done} were written.`);
    const blob = await file.close();
    if (blob.size !== s.size)
      throw new LwError('write-failed', `The layer file holds ${blob.size} bytes, ${s.size} were written.`);
    const descriptor: Descriptor = { mediaType, digest: s.digest, size: s.size };
    if (opts.annotations) descriptor.annotations = { ...opts.annotations };
    onProgress?.(done, total || done, 'writing layer');
    return { blob, descriptor, diffId: d.diffId, tarSize: d.size };
  } catch (e) {
    const err = asLwError(e, 'write-failed');
    await writer.abort(err).catch(() => {});
    await piped.catch(() => {});
    await guard?.abort();
    await file.abort().catch(() => {});
    throw err;
  }
}
