// Shared helpers for the compress tests.
import { afterAll } from 'vitest';
import type { WorkerPool } from '../../../src/engine/compress/pool';
import { nodeDeflater } from '../../../src/platform/node';
import { Rng } from '../../fuzz/lib/prng';

// Seeded: a failure reproduces on the next run.
const rng = new Rng(40);
const random = () => rng.next();

export async function readAll(s: ReadableStream<Uint8Array>): Promise<Buffer<ArrayBuffer>> {
  const parts: Uint8Array[] = [];
  const r = s.getReader();
  for (;;) {
    const { done, value } = await r.read();
    if (done) break;
    parts.push(value);
  }
  return Buffer.concat(parts);
}

/** Resolves to the error the stream fails with (or null if it ends normally). */
export async function failure(s: ReadableStream<Uint8Array>): Promise<{ code?: string; message: string } | null> {
  try {
    await readAll(s);
    return null;
  } catch (e) {
    return e as { code?: string; message: string };
  }
}

/** A stream of `data` cut at the given sizes (cycled). */
export function chunked(data: Uint8Array, sizes: number[]): ReadableStream<Uint8Array> {
  let pos = 0;
  let i = 0;
  return new ReadableStream({
    pull(c) {
      if (pos >= data.length) return c.close();
      const n = Math.max(1, sizes[i++ % sizes.length]);
      c.enqueue(data.slice(pos, pos + n));
      pos += n;
    },
  });
}

export function randomSizes(count: number, max: number): number[] {
  return Array.from({ length: count }, () => 1 + Math.floor(random() * max));
}

/** Mixed content: compressible text, runs and random bytes (so every DEFLATE block type shows up). */
export function sampleData(size: number): Buffer<ArrayBuffer> {
  const parts: Buffer<ArrayBuffer>[] = [];
  let n = 0;
  while (n < size) {
    const kind = parts.length % 3;
    const p =
      kind === 0
        ? Buffer.from(`line ${n} of some text that repeats itself quite a lot\n`.repeat(40))
        : kind === 1
          ? Buffer.alloc(5000, n & 0xff)
          : Buffer.from(rng.bytes(3000)); // seeded (rng above): a failure reproduces
    parts.push(p);
    n += p.length;
  }
  return Buffer.concat(parts).subarray(0, size);
}

/**
 * Logs throughput (never asserts): per CPU-second of this process, which stays meaningful on a shared
 * machine, and per wall-clock second.
 */
export async function logSpeed(name: string, bytes: number, run: () => unknown): Promise<void> {
  const cpu = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1e6;
  };
  const c0 = cpu();
  const t0 = performance.now();
  await run();
  const mb = bytes / 1048576;
  const wall = (performance.now() - t0) / 1000;
  console.log(`[bench] ${name}: ${(mb / (cpu() - c0)).toFixed(0)} MB/cpu-s, ${(mb / wall).toFixed(0)} MB/s wall`);
}

/** A `nativeGunzip` option value: a decoder factory, null (fflate only) or undefined (the platform's). */
export type Native = (() => TransformStream<Uint8Array, Uint8Array>) | null | undefined;

/**
 * Imitates Chromium's DecompressionStream: the real (Node) inflater, but the output stops after
 * `limit` bytes and the stream fails with Chromium's message (multi-member gzip, trailing zeros).
 */
export function chromiumLike(limit: number, message = 'Junk found after end of compressed data.'): Native {
  return () => {
    const ds = new DecompressionStream('gzip');
    let out = 0;
    const cut = new TransformStream<Uint8Array, Uint8Array>({
      transform(c, ctrl) {
        if (out + c.length > limit) {
          if (limit > out) ctrl.enqueue(c.slice(0, limit - out));
          out = limit;
          ctrl.error(new TypeError(message));
          return;
        }
        out += c.length;
        ctrl.enqueue(c);
      },
    });
    return { writable: ds.writable, readable: ds.readable.pipeThrough(cut) } as unknown as TransformStream<Uint8Array, Uint8Array>;
  };
}

/** Worker-thread pools of n threads for one test file, all closed after it. */
export function testPools(): (n: number) => WorkerPool {
  const pools: WorkerPool[] = [];
  afterAll(() => pools.forEach((p) => p.close()));
  return (n) => {
    const p = nodeDeflater(n);
    pools.push(p);
    return p;
  };
}
