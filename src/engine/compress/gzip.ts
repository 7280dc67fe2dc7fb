// Deterministic gzip output, pigz-style: the input is cut into fixed chunks (1 MiB); each chunk is deflated on
// its own with the previous 32 KiB as dictionary (deflate-chunk.ts), its pieces are joined in order into ONE
// deflate stream, closed by an empty final block, inside ONE gzip member: a 10-byte header (mtime 0, no name,
// OS unix), the pieces, a trailer with the CRC-32 combined from the chunks' CRCs and ISIZE.
//
// Because chunk boundaries depend only on the byte count, never on how the caller pushes data or on which
// thread deflates a chunk, the same bytes in give the same bytes out in the browser and in Node, for any push
// size and any number of workers. Chunks can be deflated concurrently by an injected Deflater (a worker pool);
// at most `4 × concurrency` chunks are in flight, so memory stays bounded whatever the input size.

import { LwError } from '../errors';
import { crc32, crc32Combine } from './crc32';
import { deflateChunk, type DeflateJob, type DeflatedChunk } from './deflate-chunk';

export type { DeflateJob, DeflatedChunk } from './deflate-chunk';

/** Bytes of input per chunk. Changing it changes every output digest. */
export const GZIP_CHUNK = 1024 * 1024;
const WINDOW = 32 * 1024;

/** Deflates chunks, possibly elsewhere (a worker pool). Results must be exactly deflateChunk's. */
export interface Deflater {
  /** How many chunks it works on at once (≥ 1). */
  readonly concurrency: number;
  /** Its workers take time to start: input of one chunk is deflated in the calling thread instead. */
  readonly slowStart?: boolean;
  deflate(job: DeflateJob): Promise<DeflatedChunk>;
}

/** Deflates in the calling thread. */
export const inlineDeflater: Deflater = { concurrency: 1, deflate: async (job) => deflateChunk(job) };

export interface GzipOptions {
  /** 0-9, default 6. */
  level?: number;
  /** Where chunks are deflated (default: this thread). */
  deflater?: Deflater;
  /** Bytes per chunk, ≥ 32 KiB (default GZIP_CHUNK; tests use smaller ones to cross many boundaries). */
  chunkSize?: number;
}

export function checkLevel(level: unknown): number {
  if (typeof level !== 'number' || !Number.isInteger(level) || level < 0 || level > 9)
    throw new LwError('invalid-argument', `gzip level must be an integer 0-9, not ${String(level)}.`);
  return level;
}

export function gzipStream(opts: GzipOptions = {}): TransformStream<Uint8Array, Uint8Array> {
  const level = checkLevel(opts.level ?? 6);
  const size = opts.chunkSize ?? GZIP_CHUNK;
  if (!Number.isInteger(size) || size < WINDOW) throw new LwError('invalid-argument', `gzip chunk size must be at least ${WINDOW}.`);
  const deflater = opts.deflater ?? inlineDeflater;
  // 4 per worker: chunks are emitted in order, so a slow (text) chunk holds back the ones behind it; with 2 per
  // worker the workers that finished fast (stored) chunks sat idle (measured: build used ~60 % of the pool).
  const maxInFlight = Math.max(1, 4 * deflater.concurrency);

  let buf = new Uint8Array(size);
  let fill = 0;
  let dict = new Uint8Array(0); // the last 32 KiB of input handed out so far
  // Each chunk's CRC-32 is computed here, from the bytes as they arrived, not taken from the deflater: the trailer
  // then holds the checksum of the intended bytes, which the decode guard's native decoder checks the decoded
  // bytes against (guard.ts). A worker that deflated other bytes (a reused or overwritten buffer) is caught here.
  const pending: { chunk: Promise<DeflatedChunk>; crc: number; size: number }[] = [];
  let crc = 0;
  let isize = 0;

  const emit = async (c: TransformStreamDefaultController<Uint8Array>) => {
    const { chunk, crc: want, size } = pending.shift()!;
    const r = await chunk;
    if (r.crc !== want || r.size !== size)
      throw new LwError('encoder-failed', 'The compressed layer does not decode to the layer that was written (a deflate worker answered for other bytes); nothing was saved.');
    c.enqueue(r.piece);
    crc = crc32Combine(crc, want, size);
    isize = (isize + size) % 2 ** 32;
  };
  let submitted = 0;
  const submit = async (c: TransformStreamDefaultController<Uint8Array>, data: Uint8Array, last = false) => {
    const job: DeflateJob = { data, dict, level };
    const want = crc32(data); // before `data` is transferred (it is empty afterwards)
    const size = data.length;
    // A full chunk is ≥ 32 KiB, so the next dictionary is its own tail (copied: `data` may be transferred).
    dict = data.slice(data.length - WINDOW);
    // Input of one chunk has nothing to run beside: deflate it here rather than wait for a worker to start.
    const p = (last && submitted === 0 && deflater.slowStart ? inlineDeflater : deflater).deflate(job);
    submitted++;
    p.catch(() => {}); // awaited in order by emit(); don't report it unhandled while an earlier one is awaited
    pending.push({ chunk: p, crc: want, size });
    while (pending.length >= maxInFlight) await emit(c);
  };

  return new TransformStream<Uint8Array, Uint8Array>({
    start(c) {
      c.enqueue(new Uint8Array([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, level < 2 ? 4 : level === 9 ? 2 : 0, 3]));
    },
    async transform(chunk, c) {
      let pos = 0;
      while (pos < chunk.length) {
        if (fill === size) {
          // Only handed out once more input arrives: a chunk that ends the input is sent by flush() alike.
          const full = buf;
          buf = new Uint8Array(size);
          fill = 0;
          await submit(c, full);
        }
        const n = Math.min(size - fill, chunk.length - pos);
        buf.set(chunk.subarray(pos, pos + n), fill);
        fill += n;
        pos += n;
      }
    },
    async flush(c) {
      if (fill) await submit(c, fill === size ? buf : buf.slice(0, fill), true);
      while (pending.length) await emit(c);
      // An empty final fixed-Huffman block (BFINAL 1, type 01, end-of-block), then CRC-32 and ISIZE.
      const t = new Uint8Array(10);
      t[0] = 0x03;
      const v = new DataView(t.buffer);
      v.setUint32(2, crc, true);
      v.setUint32(6, isize, true);
      c.enqueue(t);
    },
  });
}
