// gzip bytes in, the SHA-256 (or -512) and size of what they decode to out: the decode guard's work (guard.ts).
// The decoder is the platform's native DecompressionStream (the browser's zlib, Node's zlib), never our own code,
// and it checks the gzip trailer (CRC-32, ISIZE) against what it decoded. One such stream runs in a pool worker
// (pool.ts), so the thread that writes the layer neither inflates it again nor copies the decoded bytes anywhere;
// where there is no pool, the same stream runs in the calling thread.

import { newHasher, type DigestAlgorithm } from '../digest/algorithm';

export interface GunzipHash {
  /** Feeds gzip bytes; resolves once the decoder has taken them (the caller may then reuse `chunk`). */
  update(chunk: Uint8Array): Promise<void>;
  /** Ends the stream: the hex digest and byte count of the decoded bytes; rejects if they did not decode. */
  end(): Promise<{ hex: string; size: number }>;
  abort(): void;
}

export function gunzipHash(alg: DigestAlgorithm = 'sha256'): GunzipHash {
  const ds = new DecompressionStream('gzip') as unknown as TransformStream<Uint8Array, Uint8Array>;
  const h = newHasher(alg);
  let size = 0;
  const writer = ds.writable.getWriter();
  const done = ds.readable.pipeTo(
    new WritableStream<Uint8Array>({
      write(c) {
        h.update(c);
        size += c.length;
      },
    }),
  );
  done.catch(() => {}); // observed by update()/end()
  return {
    // The decoder is done with a chunk when its write resolves (a TransformStream's write settles after the
    // transform that consumed it), so the pool can hand the buffer back for the next batch.
    update: (chunk) => writer.write(chunk),
    async end() {
      await writer.close();
      await done;
      return { hex: h.hex(), size };
    },
    abort: () => void writer.abort().catch(() => {}),
  };
}
