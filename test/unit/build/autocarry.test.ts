// build turns usrmerge carry-over on by itself when the image's command could not start without it.
import { describe, expect, it } from 'vitest';
import { buildAndOpen, paths, readLayer, rootfsTar, type Spec } from './helpers';
import { build } from '../../../src/engine/ops/build';
import { env } from './helpers';
import { openImage } from '../../../src/engine/oci/archive';
import { writeOciArchive } from '../../../src/engine/oci/write';

const BASE: Spec[] = ['bin/', ['bin/sh', 'a shell program'], 'lib/', ['lib/libc.so', 'libc'], 'usr/', 'usr/bin/', 'etc/'];
const APP: Spec[] = ['bin', ['bin', '->', 'usr/bin'], ['lib', '->', 'usr/lib'], 'usr/', 'usr/bin/', ['usr/bin/myapp', '#!/bin/sh\necho hi\n'], 'usr/lib/'].filter(
  (s) => s !== 'bin',
) as Spec[];

async function base() {
  const res = await build({ rootfs: [rootfsTar(BASE)], settings: { cmd: '/bin/sh', sourceDateEpoch: 1 } }, env);
  return openImage(writeOciArchive(res.out), env);
}

describe('build: carry-over by default when the command needs it', () => {
  it('is turned on for a #!/bin/sh app over a classic base, and says why', async () => {
    const { res, image } = await buildAndOpen({ base: await base(), rootfs: [rootfsTar(APP)], settings: { cmd: '/usr/bin/myapp', sourceDateEpoch: 2 } });
    expect(res.carryReason).toBe('the script interpreter /bin/sh would be hidden: `docker run` would fail with `exec /usr/bin/myapp: no such file or directory`');
    const layer = await readLayer(image.layers[1].blob!);
    expect(layer.find((e) => e.path === 'usr/bin/sh')?.text).toBe('a shell program');
    expect(paths(layer)).toContain('usr/lib/libc.so');
  });

  it('stays off when the command starts anyway, or when it is turned off', async () => {
    const ok = await buildAndOpen({ base: await base(), rootfs: [rootfsTar([...APP, ['usr/bin/sh', 'own shell']])], settings: { cmd: '/usr/bin/myapp' } });
    expect(ok.res.carryReason).toBeUndefined();
    expect(ok.res.carriedDirs).toEqual([]);
    const off = await buildAndOpen({ base: await base(), rootfs: [rootfsTar(APP)], settings: { cmd: '/usr/bin/myapp', usrmergeCarry: false } });
    expect(off.res.carryReason).toBeUndefined();
    expect(paths(await readLayer(off.image.layers[1].blob!))).not.toContain('usr/bin/sh');
  });

  it('follows a base /bin/sh that is a hardlink (busybox) when deciding', async () => {
    const bb: Spec[] = ['bin/', ['bin/busybox', 'busybox program'], ['bin/sh', '=>', 'bin/busybox'], 'usr/', 'usr/bin/'];
    const res0 = await build({ rootfs: [rootfsTar(bb)], settings: { sourceDateEpoch: 1 } }, env);
    const b = await openImage(writeOciArchive(res0.out), env);
    const { res } = await buildAndOpen({ base: b, rootfs: [rootfsTar(APP)], settings: { cmd: '/usr/bin/myapp' } });
    expect(res.carryReason).toMatch(/script interpreter \/bin\/sh/);
  });
});
