// Issue 11: hashing in the worker pool gives the digests of the in-thread hasher for any chunking (seeded random
// chunk sizes around the 1 MiB batch), views or whole buffers, left intact for the caller; a worker that fails gives
// a typed error, a worker that never starts falls back to this thread — never a hang, never a wrong digest.
import { createHash } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { poolHasher, HASH_BATCH } from '../../../src/engine/digest/pool-hash';
import { newHasher, type DigestAlgorithm } from '../../../src/engine/digest/algorithm';
import { workerPool, poolServer, type PoolReply, type PoolWorker, type Served, type WorkerPool } from '../../../src/engine/compress/pool';
import { nodeDeflater } from '../../../src/platform/node';

const pools: WorkerPool[] = [];
afterAll(() => pools.forEach((p) => p.close()));

function rng(seed: number) {
  let s = seed >>> 0 || 1;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

function randomBytes(n: number, r: () => number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (r() * 256) | 0;
  return b;
}

/** Cuts `data` into chunks of seeded random sizes: tiny, DecompressionStream-like, around and above a batch. */
function chunkings(data: Uint8Array, r: () => number): { chunk: Uint8Array; owned: boolean }[] {
  const sizes = [1, 63, 64, 4096, 65_536, HASH_BATCH - 1, HASH_BATCH, HASH_BATCH + 1, 3 * HASH_BATCH + 7];
  const out: { chunk: Uint8Array; owned: boolean }[] = [];
  for (let p = 0; p < data.length; ) {
    const n = Math.min(data.length - p, sizes[(r() * sizes.length) | 0] + ((r() * 100) | 0));
    const owned = r() < 0.5;
    // An owned chunk owns its buffer (transferable); others are views into the caller's data.
    out.push({ chunk: owned ? data.slice(p, p + n) : data.subarray(p, p + n), owned });
    p += n;
  }
  return out;
}

async function poolDigest(pool: WorkerPool | undefined, alg: DigestAlgorithm, parts: { chunk: Uint8Array; owned: boolean }[]) {
  const h = poolHasher(alg, pool);
  for (const { chunk } of parts) await h.update(chunk);
  return h.hex();
}

describe('hashing in the worker pool (worker_threads)', () => {
  it('gives the in-thread digests for seeded random chunkings, two streams at once', async () => {
    const pool = nodeDeflater(2);
    pools.push(pool);
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      const r = rng(seed);
      const data = randomBytes(((2 + r() * 6) * HASH_BATCH) | 0, r);
      const want256 = createHash('sha256').update(data).digest('hex');
      const want512 = createHash('sha512').update(data).digest('hex');
      const inThread = newHasher('sha256');
      inThread.update(data);
      expect(inThread.hex()).toBe(want256);
      const [a, b] = await Promise.all([
        poolDigest(pool, 'sha256', chunkings(data, rng(seed * 7))),
        poolDigest(pool, seed % 2 ? 'sha512' : 'sha256', chunkings(data, rng(seed * 13))),
      ]);
      expect(a, `seed ${seed}`).toBe(want256);
      expect(b, `seed ${seed}`).toBe(seed % 2 ? want512 : want256);
    }
  }, 120_000);

  it('leaves chunks the caller still needs intact (copied), and empty streams hash as empty', async () => {
    const pool = nodeDeflater(1);
    pools.push(pool);
    const data = randomBytes(2 * HASH_BATCH + 5, rng(9));
    const keep = data.slice();
    const h = poolHasher('sha256', pool);
    await h.update(data);
    expect(Buffer.from(data).equals(Buffer.from(keep))).toBe(true);
    expect(await h.hex()).toBe(createHash('sha256').update(keep).digest('hex'));
    expect(await poolHasher('sha256', pool).hex()).toBe(createHash('sha256').digest('hex'));
  }, 60_000);

  /** A fake worker that serves the first `good` jobs like a real one, then fails as told. */
  const fake = (good: number, how: 'error' | 'die' | 'never'): PoolWorker => {
    const serve = poolServer();
    let reply!: (r: PoolReply) => void;
    let fail!: (e: unknown) => void;
    let jobs = 0;
    return {
      post(job) {
        const k = jobs++;
        setTimeout(() => {
          if (how === 'never') fail(new Error('script blocked'));
          else if (k < good) reply((serve(job) as Served).reply);
          else if (how === 'error') reply({ error: 'out of memory' });
          else fail(new Error('worker exited'));
        }, 1);
      },
      listen: (r, f) => ((reply = r), (fail = f)),
      terminate() {},
    };
  };

  for (const how of ['error', 'die'] as const) {
    it(`a worker that ${how === 'error' ? 'answers an error' : 'dies'} mid-stream fails the hash with worker-failed`, async () => {
      const pool = workerPool(() => fake(2, how), 1);
      const data = randomBytes(8 * HASH_BATCH, rng(4));
      const err = await poolDigest(pool, 'sha256', [{ chunk: data, owned: false }, { chunk: data, owned: false }]).catch((e) => e);
      expect(err).toMatchObject({ code: 'worker-failed' });
    }, 30_000);
  }

  it('spreads concurrent streams over the workers (both of verify\'s hashes on two cores)', async () => {
    const seen: number[] = [];
    let spawned = 0;
    const pool = workerPool(() => {
      const me = spawned++;
      const w = fake(1e9, 'error');
      return { ...w, post: (job, t) => (seen.push(me), w.post(job, t)) };
    }, 2);
    const data = randomBytes(3 * HASH_BATCH, rng(8));
    const want = createHash('sha256').update(data).digest('hex');
    const a = poolHasher('sha256', pool);
    const b = poolHasher('sha256', pool);
    await a.update(data);
    await new Promise((r) => setTimeout(r, 20)); // a's worker is idle again: b must still get the other one
    await b.update(data);
    expect(await Promise.all([a.hex(), b.hex()])).toEqual([want, want]);
    expect(spawned).toBe(2);
    expect(new Set(seen)).toEqual(new Set([0, 1]));
  });

  it('hashes in this thread when the worker never starts, or none can be made', async () => {
    const data = randomBytes(5 * HASH_BATCH + 3, rng(5));
    const want = createHash('sha256').update(data).digest('hex');
    const parts = chunkings(data, rng(11));
    expect(await poolDigest(workerPool(() => fake(0, 'never'), 2), 'sha256', parts)).toBe(want);
    const none = workerPool(() => {
      throw new Error('Worker is not defined');
    }, 2);
    expect(await poolDigest(none, 'sha256', chunkings(data, rng(12)))).toBe(want);
  }, 30_000);
});

describe('unpackLayer with its hashes in the pool', () => {
  it('gives the same digests, sizes and diff_id as hashing in this thread (gzip and plain tar, sha256 and sha512)', async () => {
    const { unpackLayer } = await import('../../../src/engine/layers/unpack');
    const { gzipSync } = await import('node:zlib');
    const pool = nodeDeflater(2);
    pools.push(pool);
    const r = rng(21);
    const tar = randomBytes(10 * HASH_BATCH, r); // not a tar: the digests are complete all the same
    for (let i = 0; i < tar.length; i += 3) tar[i] = 0; // compressible, so inflate has work to do
    const gz = new Blob([gzipSync(tar, { level: 1 }) as Uint8Array<ArrayBuffer>]);
    for (const blob of [gz, new Blob([tar as Uint8Array<ArrayBuffer>])]) {
      for (const algorithm of ['sha256', 'sha512'] as const) {
        const here = await unpackLayer(blob, { hashPool: null, algorithm, diffIdAlgorithm: algorithm });
        const there = await unpackLayer(blob, { hashPool: pool, algorithm, diffIdAlgorithm: algorithm });
        expect(there).toEqual(here);
        expect(here.size).toBe(blob.size);
        expect(here.digest).toBe(`${algorithm}:` + createHash(algorithm).update(new Uint8Array(await blob.arrayBuffer())).digest('hex'));
        expect(here.diffId).toBe(`${algorithm}:` + createHash(algorithm).update(tar).digest('hex'));
      }
    }
  }, 120_000);

  it('a hash worker that dies during a layer read ends it with worker-failed', async () => {
    const { unpackLayer } = await import('../../../src/engine/layers/unpack');
    const pool = workerPool(() => {
      const serve = poolServer();
      let reply!: (r: PoolReply) => void;
      let fail!: (e: unknown) => void;
      let jobs = 0;
      return {
        post: (job) => void setTimeout(() => (jobs++ < 3 ? reply((serve(job) as Served).reply) : fail(new Error('killed'))), 1),
        listen: (r, f) => ((reply = r), (fail = f)),
        terminate() {},
      };
    }, 2);
    const blob = new Blob([randomBytes(12 * HASH_BATCH, rng(3)) as Uint8Array<ArrayBuffer>]);
    await expect(unpackLayer(blob, { hashPool: pool })).rejects.toMatchObject({ code: 'worker-failed' });
  }, 60_000);
});
