// `--level N` on fix and build: the gzip level of the layers written; a bad value is a typed error before any work.
import { mkdtempSync, openAsBlob, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/main';
import { memoryScratch, openImage } from '../../../src/engine/index';
import { rootfsTar } from '../build/helpers';

async function run(args: string[]) {
  let err = '';
  const code = await main(args, { stdout: () => {}, stderr: (t: string) => void (err += t), stderrIsTTY: false });
  return { code, err };
}

describe('--level', () => {
  it('sets the gzip level of built layers (header XFL byte, size); refuses values outside 0-9', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lw-level-'));
    const rootfs = join(dir, 'app.tar');
    const text = Array.from({ length: 4000 }, (_, i) => `line ${i} ${(i * 7919) % 1000}\n`).join('');
    writeFileSync(rootfs, new Uint8Array(await rootfsTar(['etc/', ['etc/data', text]] as never).arrayBuffer()));
    const layerOf = async (out: string) => {
      const archive = await openImage(await openAsBlob(out), { scratch: memoryScratch() });
      const l = archive.images[0].manifest.layers[0];
      return { size: l.size, head: new Uint8Array(await archive.blob(l.digest)!.slice(0, 10).arrayBuffer()) };
    };
    for (const level of ['0', '1', '9']) expect((await run(['build', '--rootfs', rootfs, '--level', level, '-o', join(dir, `l${level}.tar`)])).code).toBe(0);
    expect((await run(['build', '--rootfs', rootfs, '-o', join(dir, 'default.tar')])).code).toBe(0);
    const [l0, l1, l9, d] = await Promise.all(['l0', 'l1', 'l9', 'default'].map((n) => layerOf(join(dir, `${n}.tar`))));
    expect([l1.head[8], l9.head[8], d.head[8]]).toEqual([4, 2, 0]); // XFL: fastest, best, neither
    expect(l0.size).toBeGreaterThan(text.length); // stored
    expect(d.size).toBeLessThan(l1.size);
    for (const bad of ['10', '-1', 'x', '1.5']) {
      const r = await run(['build', '--rootfs', rootfs, '--level', bad, '-o', join(dir, 'bad.tar')]);
      expect(r.code).toBe(2);
      expect(r.err).toContain('error[invalid-argument]');
    }
  });
});
