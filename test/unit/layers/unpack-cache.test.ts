// The per-session UnpackCache: verify after (or during) diagnose reuses diagnose's layer reads, with results
// identical to uncached runs; failed and cancelled passes are not shared.

import { describe, expect, it } from 'vitest';
import { UnpackCache } from '../../../src/engine/layers/unpack';
import { verify, type VerifyResult } from '../../../src/engine/ops/verify';
import { diagnoseDetailed, type DiagnoseResult } from '../../../src/engine/ops/diagnose';
import { sha256Bytes } from '../../../src/engine/digest/index';
import type { ImageArchive } from '../../../src/engine/oci/archive';
import { SLICE_CHUNK } from '../../../src/engine/io';
import { dir, file, layer, openBuilt, sym, wh, type BuiltLayer } from './fixtures';
import { Rng } from '../../fuzz/lib/prng';

// Seeded: a failure reproduces on the next run.
const rng = new Rng(138);
const random = () => rng.next();

async function layers(): Promise<BuiltLayer[]> {
  const big = 'x'.repeat(200_000);
  const l0 = await layer([dir('usr/'), dir('usr/bin/'), file('usr/bin/sh', big), dir('bin/'), file('bin/ls', big)]);
  const l1 = await layer([sym('bin', 'usr/bin'), wh('bin/.wh.ls'), file('etc/x', big)]);
  const l2 = await layer([file('plain/a'), file('plain/b')], 'none');
  const full = await layer([file('t/a', big), file('t/b', big)]);
  const cut = full.bytes.subarray(0, full.bytes.length >> 1);
  const l3: BuiltLayer = { ...full, bytes: cut, descriptor: { ...full.descriptor, digest: await sha256Bytes(cut), size: cut.length } };
  return [l0, l1, l2, l3];
}

/**
 * Opens the image and replaces each layer blob by a view that counts its whole reads (io.ts sliceStream starts one
 * with slice(0, SLICE_CHUNK)) and hands out at most 256 KiB per read, as if from a (slow, with `pause`) disk.
 */
async function open(ls: BuiltLayer[], onStream?: (digest: string) => void, pause = 0): Promise<{ archive: ImageArchive; streams: Map<string, number> }> {
  const { archive } = await openBuilt({ layers: ls });
  const streams = new Map<string, number>();
  for (const img of archive.images)
    for (const l of img.layers) {
      const b = l.blob!;
      const digest = l.descriptor.digest;
      streams.set(digest, 0);
      l.blob = new Proxy(b, {
        get(t, p) {
          if (p === 'stream') return () => (streams.set(digest, streams.get(digest)! + 1), onStream?.(digest), t.stream());
          if (p === 'slice')
            return (a = 0, e = t.size) => {
              if (a === 0 && e === SLICE_CHUNK) streams.set(digest, streams.get(digest)! + 1), onStream?.(digest);
              return piece(t.slice(a, Math.min(e, a + 256 * 1024)), pause);
            };
          const v = Reflect.get(t, p, t);
          return typeof v === 'function' ? v.bind(t) : v;
        },
      });
    }
  return { archive, streams };
}

/** A read of a slice that takes `pause` ms. */
function piece(b: Blob, pause: number): Blob {
  if (!pause) return b;
  return new Proxy(b, {
    get(t, p) {
      if (p === 'arrayBuffer') return async () => (await new Promise((r) => setTimeout(r, pause)), t.arrayBuffer());
      const v = Reflect.get(t, p, t);
      return typeof v === 'function' ? v.bind(t) : v;
    },
  });
}

const stable = (r: VerifyResult | DiagnoseResult) => ({ ...r, ms: 0 });

/**
 * How often diagnose alone streams the good layers: once each, plus a bounded head read of a layer holding a
 * file of the image command's exec chain (here the base's usr/bin/sh, as bin -> usr/bin hides lower files).
 * verify sharing the cache must add no read to that.
 */
async function diagnoseReads(ls: BuiltLayer[]): Promise<number[]> {
  const alone = await open(ls);
  await diagnoseDetailed(alone.archive);
  const n = ls.slice(0, 3).map((l) => alone.streams.get(l.descriptor.digest)!);
  expect(n).toEqual([2, 1, 1]);
  return n;
}

describe('UnpackCache between diagnose and verify', () => {
  it('verify after diagnose reads each good layer blob once, with the same results as uncached runs', async () => {
    const ls = await layers();
    const plain = await open(ls);
    const d0 = await diagnoseDetailed(plain.archive);
    const v0 = await verify(plain.archive);
    expect(v0.problems.map((p) => p.code)).toContain('layer-unreadable');

    const shared = await open(ls);
    const cache = new UnpackCache();
    let last = 0;
    const d1 = await diagnoseDetailed(shared.archive, { cache });
    const v1 = await verify(shared.archive, { cache, onProgress: (done, total) => (expect(total).toBe(v0.bytes), (last = done)) });
    expect(stable(d1)).toEqual(stable(d0));
    expect(stable(v1)).toEqual(stable(v0));
    expect(last).toBe(v0.bytes);
    const [g0, g1, p2, bad] = ls.map((l) => shared.streams.get(l.descriptor.digest));
    expect([g0, g1, p2]).toEqual(await diagnoseReads(ls));
    // The truncated layer's pass failed: it is not shared, verify reads it itself.
    expect(bad).toBe(2);
  });

  it('verify started alongside diagnose waits for diagnose\'s reads instead of making its own', async () => {
    const ls = await layers();
    const plain = await open(ls);
    const [d0, v0] = [await diagnoseDetailed(plain.archive), await verify(plain.archive)];
    for (const verifyFirst of [true, false]) {
      const shared = await open(ls);
      const cache = new UnpackCache();
      const [d1, v1] = verifyFirst
        ? await Promise.all([verify(shared.archive, { cache }), diagnoseDetailed(shared.archive, { cache })]).then(([v, d]) => [d, v] as const)
        : await Promise.all([diagnoseDetailed(shared.archive, { cache }), verify(shared.archive, { cache })]);
      expect(stable(d1)).toEqual(stable(d0));
      expect(stable(v1)).toEqual(stable(v0));
      expect(ls.slice(0, 3).map((l) => shared.streams.get(l.descriptor.digest))).toEqual(await diagnoseReads(ls));
    }
  });

  it('a cancelled diagnose shares nothing it did not finish; a verify waiting on it reads the rest itself', async () => {
    const ls = await layers();
    const plain = await open(ls);
    const v0 = await verify(plain.archive);

    const ac = new AbortController();
    // Diagnose is cancelled as soon as it starts reading layer 0.
    const shared = await open(ls, () => ac.abort());
    const cache = new UnpackCache();
    const d = diagnoseDetailed(shared.archive, { cache, signal: ac.signal });
    const v = verify(shared.archive, { cache });
    await expect(d).rejects.toMatchObject({ code: 'cancelled' });
    expect(stable(await v)).toEqual(stable(v0));
    expect(ls.slice(0, 3).map((l) => shared.streams.get(l.descriptor.digest))).toEqual([2, 1, 1]);
    // Nothing bad was kept: a second verify now reuses every good layer.
    const again = await verify(shared.archive, { cache });
    expect(stable(again)).toEqual(stable(v0));
    expect(ls.slice(0, 3).map((l) => shared.streams.get(l.descriptor.digest))).toEqual([2, 1, 1]);
  });

  it('a verify waiting on a long layer shows the progress of the pass it waits on', async () => {
    const noise = Array.from({ length: 3 * 1024 * 1024 }, () => String.fromCharCode(97 + Math.floor(random() * 26))).join('');
    const ls = [await layer([file('noise', noise)], 'none')];
    const shared = await open(ls, undefined, 5); // a slow disk: verify gets to the layer while diagnose reads it
    const cache = new UnpackCache();
    const seen: number[] = [];
    const d = diagnoseDetailed(shared.archive, { cache });
    const v = await verify(shared.archive, { cache, onProgress: (done) => seen.push(done) });
    await d;
    expect(shared.streams.get(ls[0].descriptor.digest)).toBe(1);
    expect(v.ok).toBe(true);
    expect(seen.some((n) => n > 0 && n < v.bytes)).toBe(true);
    expect(seen.at(-1)).toBe(v.bytes);
  });

  it('a cancelled verify stops waiting at once', async () => {
    const ls = await layers();
    const { archive } = await open(ls);
    const cache = new UnpackCache();
    const release = cache.reserve(archive.images[0].layers.map((l) => l.blob!)); // never fulfilled until released
    const ac = new AbortController();
    const v = verify(archive, { cache, signal: ac.signal });
    setTimeout(() => ac.abort(), 20);
    await expect(v).rejects.toMatchObject({ code: 'cancelled' });
    release();
  });
});
