// Build never writes through a symlink of its own rootfs (the rootfs is a jail: its links are not followed for
// build's own writes), and a base entry climbing out of the root is reported, not silently kept in the view.
import { describe, expect, it } from 'vitest';
import { build } from '../../../src/engine/ops/build';
import { openImage } from '../../../src/engine/oci/archive';
import { writeOciArchive } from '../../../src/engine/oci/write';
import { verify } from '../../../src/engine/ops/verify';
import { diagnose } from '../../../src/engine/ops/diagnose';
import { buildAndOpen, env, paths, readLayer, rootfsTar, type Spec } from './helpers';
import { dir, file, layer, openBuilt } from '../layers/fixtures';

async function classicBase() {
  const res = await build({ rootfs: [rootfsTar(['bin/', ['bin/sh', 'sh'], 'etc/', ['etc/passwd', 'root:x:0:0'], 'usr/', 'usr/bin/'])], settings: { sourceDateEpoch: 1 } }, env);
  return openImage(writeOciArchive(res.out), env);
}

describe('build jail', () => {
  it('entries under the app’s own symlinks (absolute, or climbing out with ..) are left out with a warning, even with carry-over', async () => {
    const app: Spec[] = [['a', '->', '/etc'], ['a/passwd', 'evil'], ['b', '->', '../../../../etc'], ['b/shadow', 'evil'], ['bin', '->', 'usr/bin'], 'usr/', 'usr/bin/'];
    for (const usrmergeCarry of [true, false, undefined]) {
      const { res, image } = await buildAndOpen({ base: await classicBase(), rootfs: [rootfsTar(app)], settings: { usrmergeCarry } });
      const layer = await readLayer(image.layers[1].blob!);
      expect(paths(layer).filter((p) => /etc|passwd|shadow/.test(p)), String(usrmergeCarry)).toEqual([]);
      expect(res.warnings.filter((w) => w.code === 'under-app-symlink').map((w) => w.path).sort()).toEqual(['a/passwd', 'b/shadow']);
    }
  });

  it('a carry-over target reached through the app’s own symlink is a conflict, not a write through it', async () => {
    // bin -> x/bin, where the app makes x a symlink to /etc: carrying /bin's files would write into /etc/bin.
    const app: Spec[] = [['x', '->', '/etc'], ['bin', '->', 'x/bin']];
    const { res, image } = await buildAndOpen({ base: await classicBase(), rootfs: [rootfsTar(app)], settings: { usrmergeCarry: true } });
    expect(paths(await readLayer(image.layers[1].blob!)).sort()).toEqual(['bin', 'x']);
    expect(res.conflicts.map((c) => [c.from, c.reason])).toEqual([['bin', 'bad-target']]);
  });

  it('drops a base entry that climbs out of the root, rewriting only the base layer that holds it', async () => {
    const clean = await layer([dir('usr/'), file('usr/ok', 'fine')]);
    const bad = await layer([dir('etc/'), file('etc/passwd'), file('../../evil', 'x'), file('etc/after', 'kept')]);
    const { archive } = await openBuilt({ layers: [clean, bad] });
    const { res, archive: out, image } = await buildAndOpen({ base: archive, rootfs: [rootfsTar([['hello', 'hi']])], settings: {} });
    const warned = res.warnings.filter((w) => w.code === 'unsafe-path');
    expect(warned.map((w) => w.path)).toEqual(['../../evil']);
    expect(warned[0].message).toMatch(/"\.\.\/\.\.\/evil".*dropped/);
    expect(image.layers).toHaveLength(3);
    // The clean base layer travels unchanged; the other loses exactly the escaping entry, keeping the rest in order.
    expect(image.layers[0].descriptor.digest).toBe(archive.images[0].layers[0].descriptor.digest);
    expect(image.layers[1].descriptor.digest).not.toBe(archive.images[0].layers[1].descriptor.digest);
    const all = (await Promise.all(image.layers.map((l) => readLayer(l.blob!)))).flat();
    expect(all.filter((e) => e.path.includes('..'))).toEqual([]);
    expect(paths(await readLayer(image.layers[1].blob!))).toEqual(['etc/', 'etc/passwd', 'etc/after']);
    const v = await verify(out);
    expect(v.problems).toEqual([]);
    expect(v.ok).toBe(true);
    expect((await diagnose(out)).filter((p) => p.code === 'unsafe-path' || p.severity === 'error')).toEqual([]);
  });
});
