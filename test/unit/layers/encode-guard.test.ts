// The encoder guard (issue 13): a deliberately broken deflater — injected where a worker pool would be — must
// make encodeLayer, fix and build fail with `encoder-failed`, leave no scratch file behind, and make the CLI
// write no output file.
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/main';
import { deflateChunk } from '../../../src/engine/compress/deflate-chunk';
import type { Deflater } from '../../../src/engine/compress/gzip';
import { memoryScratch, type Scratch } from '../../../src/engine/env';
import { encodeLayer } from '../../../src/engine/layers/encode';
import { openImage } from '../../../src/engine/oci/archive';
import { build } from '../../../src/engine/ops/build';
import { diagnose } from '../../../src/engine/ops/diagnose';
import { defaultRepairs, fix, planFix } from '../../../src/engine/ops/fix';
import { rootfsTar } from '../build/helpers';
import { seedLayers } from '../ops-fix/seedlike';
import { layoutFiles } from './fixtures';

/** Valid deflate, but of other bytes (one input byte flipped), with their own CRC-32: caught by the CRC-32 taken in the calling thread. */
const wrongData: Deflater = {
  concurrency: 1,
  async deflate(job) {
    const data = job.data.slice();
    if (data.length) data[data.length >> 1] ^= 0x20;
    return deflateChunk({ ...job, data });
  },
};
/**
 * Valid deflate of other bytes that reports the CRC-32 of the right ones: the gzip trailer (computed from the
 * intended bytes) makes the native decoder refuse what it decodes.
 */
const wrongDataRightCrc: Deflater = {
  concurrency: 1,
  async deflate(job) {
    const good = deflateChunk(job);
    const data = job.data.slice();
    if (data.length) data[data.length >> 1] ^= 0x20;
    return { ...deflateChunk({ ...job, data }), crc: good.crc };
  },
};
/** Damaged compressed bytes, as a real encoder bug (fflate #260) writes them: the decoder refuses them. */
const badBytes: Deflater = {
  concurrency: 1,
  async deflate(job) {
    const r = deflateChunk(job);
    const piece = r.piece.slice();
    for (let i = 8; i < piece.length - 8; i += 97) piece[i] ^= 0xa5;
    return { ...r, piece };
  },
};

function trackedScratch(): Scratch & { open: number; kept: number } {
  const inner = memoryScratch();
  const t = {
    open: 0,
    kept: 0,
    async create(name?: string) {
      const f = await inner.create(name);
      t.open++;
      return {
        write: f.write,
        close: async () => (t.open--, t.kept++, f.close()),
        abort: async () => (t.open--, f.abort()),
      };
    },
  };
  return t;
}

async function sample(w: import('../../../src/engine/tar/writer').TarWriter) {
  await w.add({ path: 'usr/', type: 'dir', mtime: 0 });
  await w.add({ path: 'usr/big', type: 'file', mtime: 0 }, new Uint8Array(200_000).map((_, i) => (i * 7919) % 251));
}

describe('the encoder guard', () => {
  for (const [name, deflater] of [
    ['decodable but wrong data', wrongData],
    ['wrong data under the right checksum', wrongDataRightCrc],
    ['undecodable data', badBytes],
  ] as const) {
    it(`stops a layer whose gzip is ${name}: encoder-failed, no layer kept`, async () => {
      const scratch = trackedScratch();
      const err = await encodeLayer(sample, { scratch, deflater }).catch((e) => e);
      expect(err).toMatchObject({ code: 'encoder-failed' });
      expect(err.message).toMatch(/does not decode to the layer that was written/);
      expect(scratch).toMatchObject({ open: 0, kept: 0 });
    });
  }

  it('passes the real encoder (and costs no second pass over the input)', async () => {
    const scratch = trackedScratch();
    const r = await encodeLayer(sample, { scratch });
    expect(r.descriptor.size).toBe(r.blob.size);
    // The diff_id (now the hash of the guard's decoded bytes) is the SHA-256 of the tar, as any engine computes it.
    const tar = gunzipSync(new Uint8Array(await r.blob.arrayBuffer()));
    expect(r.diffId).toBe(`sha256:${createHash('sha256').update(tar).digest('hex')}`);
    expect(r.tarSize).toBe(tar.length);
    expect(tar.length).toBeGreaterThan(200_000);
    expect(scratch).toMatchObject({ open: 0, kept: 1 });
  });

  it('makes fix and build fail with encoder-failed in the engine', async () => {
    const { base, app } = await seedLayers();
    const env = { scratch: memoryScratch(), deflater: wrongData };
    const archive = await openImage((await layoutFiles({ layers: [base, app] })).blob, env);
    const repairs = defaultRepairs(planFix(archive, await diagnose(archive)));
    expect(repairs.length).toBeGreaterThan(0);
    await expect(fix(archive, repairs, env)).rejects.toMatchObject({ code: 'encoder-failed' });
    const rootfs = rootfsTar(['bin/', ['bin/hello', 'hi']] as never);
    await expect(build({ rootfs: [rootfs], settings: { sourceDateEpoch: 1 } }, env)).rejects.toMatchObject({ code: 'encoder-failed' });
  });

  it('makes the CLI exit 2 with error[encoder-failed] and write no OUT file, for fix and build', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lw-guard-'));
    const { base, app } = await seedLayers();
    const input = join(dir, 'broken.tar');
    writeFileSync(input, new Uint8Array(await (await layoutFiles({ layers: [base, app] })).blob.arrayBuffer()));
    const rootfs = join(dir, 'app.tar');
    writeFileSync(rootfs, new Uint8Array(await rootfsTar(['bin/', ['bin/hello', 'hi']] as never).arrayBuffer()));
    for (const deflater of [wrongData, badBytes]) {
      for (const args of [['fix', input, '-o', join(dir, 'fixed.tar')], ['build', '--rootfs', rootfs, '-o', join(dir, 'built.tar')]]) {
        let err = '';
        const io = { stdout: () => {}, stderr: (t: string) => void (err += t), stderrIsTTY: false, deflater };
        expect(await main(args, io)).toBe(2);
        expect(err).toContain('error[encoder-failed]');
      }
    }
    expect(existsSync(join(dir, 'fixed.tar')) || existsSync(join(dir, 'built.tar'))).toBe(false);
    expect(readdirSync(dir).sort()).toEqual(['app.tar', 'broken.tar']);
  });
});
