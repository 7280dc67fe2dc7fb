// Issue 11: the deflate pool. Output must be byte-identical for the calling thread and 1, 2 and 4 worker
// threads, decode with zlib, `gzip -t` and Python's gzip, and a failing worker must fail the layer, not hang it.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { gzipStream, type Deflater } from '../../../src/engine/compress/gzip';
import { decodeGuard } from '../../../src/engine/compress/guard';
import { deflatePool, type DeflatePool, type DeflateReply, type PoolWorker } from '../../../src/engine/compress/pool';
import { deflateChunk, type DeflateJob } from '../../../src/engine/compress/deflate-chunk';
import { memoryScratch } from '../../../src/engine/env';
import { encodeLayer } from '../../../src/engine/layers/encode';
import { chunked, readAll, testPools } from './helpers';
import { realTar } from './property';

const pool = testPools();
const gz = (data: Uint8Array, deflater?: Deflater, chunkSize?: number) =>
  readAll(chunked(data, [65_536, 1_000, 300_000]).pipeThrough(gzipStream({ deflater, chunkSize, level: 6 })));

describe('deflate pool (worker_threads)', () => {
  const data = realTar().subarray(0, 2_300_000); // three 1 MiB chunks, the last one partial

  it('gives the same bytes as the calling thread for 1, 2 and 4 workers', async () => {
    const ref = await gz(data);
    expect(zlib.gunzipSync(ref).equals(data)).toBe(true);
    for (const n of [1, 2, 4]) expect((await gz(data, pool(n))).equals(ref), `${n} workers`).toBe(true);
    const small = await gz(data, undefined, 40_000); // 58 chunks: many joins, many in flight
    expect((await gz(data, pool(2), 40_000)).equals(small)).toBe(true);
  }, 120_000);

  it('writes gzip that `gzip -t` and Python accept', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lw-pool-'));
    const f = join(dir, 'out.gz');
    writeFileSync(f, await gz(data, pool(2)));
    execFileSync('gzip', ['-t', f]);
    const py = execFileSync('python3', ['-c', 'import gzip,hashlib,sys; print(hashlib.sha256(gzip.open(sys.argv[1]).read()).hexdigest())', f]);
    expect(py.toString().trim()).toBe(createHash('sha256').update(data).digest('hex'));
  }, 60_000);

  it('encodeLayer gives the same layer with or without a pool', async () => {
    const body = data.subarray(0, 2_500_000);
    const write = async (w: import('../../../src/engine/tar/writer').TarWriter) => w.add({ path: 'big', type: 'file', mtime: 0 }, body);
    const a = await encodeLayer(write, { scratch: memoryScratch() });
    const b = await encodeLayer(write, { scratch: memoryScratch(), deflater: pool(2) });
    expect(b.descriptor).toEqual(a.descriptor);
    expect(b.diffId).toBe(a.diffId);
  }, 60_000);

  it('fails a chunk with encoder-failed when a working worker dies or errs, and replaces it', async () => {
    let spawned = 0;
    const flaky = deflatePool((): PoolWorker => {
      const id = spawned++;
      let reply!: (r: DeflateReply) => void;
      let fail!: (e: unknown) => void;
      let jobs = 0;
      return {
        post(job) {
          const k = jobs++;
          setTimeout(() => (id === 0 ? (k === 0 ? reply(deflateChunk(job as DeflateJob)) : fail(new Error('boom'))) : reply({ error: 'bad chunk' })), 1);
        },
        listen: (r, f) => ((reply = r), (fail = f)),
        terminate() {},
      };
    }, 1);
    const job = () => ({ data: new Uint8Array(10).fill(7), dict: new Uint8Array(0), level: 6 });
    await expect(flaky.deflate(job())).resolves.toEqual(deflateChunk(job()));
    await expect(flaky.deflate(job())).rejects.toMatchObject({ code: 'encoder-failed', message: /boom/ });
    await expect(flaky.deflate(job())).rejects.toMatchObject({ code: 'encoder-failed', message: /bad chunk/ });
    expect(spawned).toBe(2); // the dead worker was replaced
  });

  it('deflates in the calling thread where workers cannot be made or never start', async () => {
    const job = () => ({ data: realTar().subarray(0, 100_000).slice(), dict: new Uint8Array(0), level: 6 });
    let spawned = 0;
    const deadOnArrival = deflatePool((): PoolWorker => {
      spawned++;
      let fail!: (e: unknown) => void;
      return { post: () => setTimeout(() => fail(new Error('script blocked')), 1), listen: (_r, f) => (fail = f), terminate() {} };
    }, 2);
    const want = deflateChunk(job());
    expect(await Promise.all([deadOnArrival.deflate(job()), deadOnArrival.deflate(job())])).toEqual([want, want]);
    await expect(deadOnArrival.deflate(job())).resolves.toEqual(want);
    expect(spawned).toBe(2); // no more attempts once they failed to start
    const noWorkers = deflatePool(() => {
      throw new Error('Worker is not defined');
    }, 2);
    await expect(noWorkers.deflate(job())).resolves.toEqual(want);
  });
});

describe('the decode guard in a pool worker', () => {
  const data = realTar().subarray(0, 3_300_000);
  const guarded = async (gz: Uint8Array, p: DeflatePool) => {
    const guard = decodeGuard(p);
    await readAll(chunked(gz, [70_000, 5_000, 1_100_000]).pipeThrough(guard.tap));
    return guard.result(data.length);
  };

  it('decodes and hashes there: the diff_id of the decoded bytes', async () => {
    const r = await guarded(new Uint8Array(zlib.gzipSync(data)), pool(2));
    expect(r.diffId).toBe(`sha256:${createHash('sha256').update(data).digest('hex')}`);
  }, 60_000);

  it('refuses a stream that fails its CRC-32 or does not decode, with encoder-failed', async () => {
    const gz = new Uint8Array(zlib.gzipSync(data));
    const badCrc = gz.slice();
    badCrc[badCrc.length - 6] ^= 1; // the trailer's CRC-32
    const badDeflate = gz.slice();
    for (let i = 2_000_000; i < 2_000_400; i += 7) badDeflate[i] ^= 0x5a;
    for (const bad of [badCrc, badDeflate]) {
      const err = await guarded(bad, pool(2)).catch((e) => e);
      expect(err).toMatchObject({ code: 'encoder-failed', message: /does not decode to the layer that was written/ });
    }
    // The pool still works afterwards.
    expect((await guarded(gz, pool(1))).size).toBe(data.length);
  }, 60_000);

  it('refuses a stream that decodes to fewer bytes than the tar written', async () => {
    const short = new Uint8Array(zlib.gzipSync(data.subarray(0, data.length - 512)));
    await expect(guarded(short, pool(2))).rejects.toMatchObject({ code: 'encoder-failed', message: /bytes decoded/ });
  }, 60_000);
});
