// The floor probe (bench only): what each primitive a job is made of costs in this browser, measured in one
// worker with the engine's own code, so test/bench/lib/floor.ts can say how fast a job could be on this machine
// if the pool were perfect and nothing else cost anything. Runs in probe.worker.ts (mode `floor`).

import { Content } from '../lib/content';
import { Sha256 } from '../../../src/engine/digest';
import { crc32 } from '../../../src/engine/compress/crc32';
import { deflateChunk } from '../../../src/engine/compress/deflate-chunk';
import { sliceStream } from '../../../src/engine/io';

export interface Primitives {
  /** The engine's incremental SHA-256 (digest/sha256.ts), 1 MiB updates, in memory: MiB/s. */
  sha256MiBs: number;
  /** The browser's DecompressionStream('gzip') of `blob`, read as the app reads it: MiB of output per second. */
  inflateMiBs: number;
  /** The engine's chunk encoder (compress/deflate-chunk.ts) at level 6 on text: ms per MiB, and output/input. */
  deflateTextMs: number;
  deflateTextRatio: number;
  /** The same at level 1. */
  deflate1TextMs: number;
  deflate1TextRatio: number;
  /** The same at level 6 on random bytes (found incompressible and stored): ms per MiB. */
  deflateRandomMs: number;
  /** The browser's own CompressionStream('deflate-raw'), one stream per 1 MiB chunk of the same text: ms per MiB. */
  nativeDeflateTextMs: number;
  nativeDeflateTextRatio: number;
  /** The engine's CRC-32 (slicing-by-16): ms per MiB. */
  crc32Ms: number;
}

const MiB = 1 << 20;

/** The fastest of `runs` measurements (the machine is shared: the least disturbed one). */
async function best<T extends { ms: number }>(runs: number, f: () => T | Promise<T>): Promise<T> {
  let b: T | undefined;
  for (let i = 0; i < runs; i++) {
    const r = await f();
    if (!b || r.ms < b.ms) b = r;
  }
  return b!;
}

/** `chunks` through the engine's encoder as gzip.ts feeds it (each with the previous 32 KiB as dictionary). */
function deflateAll(chunks: Uint8Array[], level: number): { ms: number; ratio: number } {
  const t = performance.now();
  let out = 0;
  let dict: Uint8Array = new Uint8Array(0);
  for (const c of chunks) {
    out += deflateChunk({ data: c, dict, level }).piece.length;
    dict = c.subarray(c.length - 32 * 1024);
  }
  return { ms: (performance.now() - t) / chunks.length, ratio: out / (chunks.length * MiB) };
}

async function nativeDeflateAll(chunks: Uint8Array[]): Promise<{ ms: number; ratio: number }> {
  const t = performance.now();
  let out = 0;
  for (const c of chunks) {
    const s = new Blob([c as BlobPart]).stream().pipeThrough(new CompressionStream('deflate-raw') as unknown as TransformStream<Uint8Array, Uint8Array>);
    out += (await new Response(s).arrayBuffer()).byteLength;
  }
  return { ms: (performance.now() - t) / chunks.length, ratio: out / (chunks.length * MiB) };
}

/** The layer read as the app reads stored bytes (io.ts sliceStream) through the browser's DecompressionStream. */
async function inflate(blob: Blob): Promise<{ ms: number; out: number }> {
  const t = performance.now();
  const r = sliceStream(blob).pipeThrough(new DecompressionStream('gzip') as unknown as TransformStream<Uint8Array, Uint8Array>).getReader();
  let out = 0;
  for (;;) {
    const x = await r.read();
    if (x.done) break;
    out += x.value.length;
  }
  return { ms: performance.now() - t, out };
}

/** Each primitive, best of `runs`; `layer` is a gzip blob to inflate (the bench image's layer). */
export async function measurePrimitives(layer: Blob, runs = 2): Promise<Primitives> {
  const c = new Content(11); // seeded: the same bytes every run
  const text = Array.from({ length: 16 }, () => c.text(MiB));
  const random = Array.from({ length: 16 }, () => c.random(MiB));
  const all = [...text, ...random];
  const sha = await best(runs, () => {
    const t = performance.now();
    const h = new Sha256();
    for (let r = 0; r < 2; r++) for (const x of all) h.update(x);
    h.hex();
    return { ms: performance.now() - t };
  });
  const crc = await best(runs, () => {
    const t = performance.now();
    let v = 0;
    for (const x of all) v ^= crc32(x);
    return { ms: (performance.now() - t) / all.length, v };
  });
  const d6 = await best(runs, () => deflateAll(text, 6));
  const d1 = await best(runs, () => deflateAll(text, 1));
  const dr = await best(runs, () => deflateAll(random, 6));
  const nd = await best(runs, () => nativeDeflateAll(text));
  const inf = await best(runs, () => inflate(layer));
  return {
    sha256MiBs: (2 * all.length) / (sha.ms / 1000),
    inflateMiBs: inf.out / MiB / (inf.ms / 1000),
    deflateTextMs: d6.ms,
    deflateTextRatio: d6.ratio,
    deflate1TextMs: d1.ms,
    deflate1TextRatio: d1.ratio,
    deflateRandomMs: dr.ms,
    nativeDeflateTextMs: nd.ms,
    nativeDeflateTextRatio: nd.ratio,
    crc32Ms: crc.ms,
  };
}
