// A layout tar with a ~4 GiB layer (a sparse file: no disk space used) is indexed from its headers alone.
import { describe, expect, it } from 'vitest';
import { closeSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { END_OF_ARCHIVE, encodeHeader, padding } from '../../../src/engine/tar/writer';
import { openImage } from '../../../src/engine/oci/archive';
import { blobPath } from '../../../src/engine/oci/types';
import { nodeScratch, openPath } from '../../../src/platform/node';
import { SIMPLE_LAYERS, makeOciLayout } from '../../fixtures/images';
import { tempDir } from '../../fixtures/tools';

describe('large archives', () => {
  it('indexes a 4 GiB layout tar in well under a second, reading no layer content', async () => {
    const built = await makeOciLayout([{ layers: SIMPLE_LAYERS, tag: 'latest' }]);
    const big = blobPath(built.images[0].layerDigests[0]);
    const path = join(tempDir('large'), 'big.tar');
    const fd = openSync(path, 'w');
    let off = 0;
    const w = (b: Uint8Array) => {
      writeSync(fd, b, 0, b.length, off);
      off += b.length;
    };
    const SIZE = 4 * 1024 ** 3 - 64 * 1024 ** 2; // Node 20's file Blobs stop at 4 GiB; the browser's File does not
    w(encodeHeader({ path: big, type: 'file', size: SIZE }));
    off += SIZE; // a hole
    for (const [p, b] of built.files) {
      if (p === big) continue;
      w(encodeHeader({ path: p, type: 'file', size: b.length }));
      w(b);
      w(padding(b.length));
    }
    w(END_OF_ARCHIVE);
    closeSync(fd);
    try {
      const t0 = performance.now();
      const archive = await openImage(await openPath(path), { scratch: nodeScratch() });
      const ms = performance.now() - t0;
      expect(archive.images[0].layers[0].blob!.size).toBe(SIZE);
      expect(ms).toBeLessThan(1000);
    } finally {
      rmSync(path);
    }
  });
});
