// mergedView against a real extractor: a layout made by umoci (init, new, repack per layer — with a deleted file,
// a directory replaced by a symlink as in the seed, a hardlink, a long name), then `umoci unpack --rootless` of the
// result. The unpacked rootfs and our merged view must list the same paths with the same types and link targets.
// Skipped when umoci is not installed.

import { describe, expect, it } from 'vitest';
import { linkSync, lstatSync, mkdirSync, readdirSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { memoryScratch } from '../../../src/engine/env';
import { openImage } from '../../../src/engine/oci/archive';
import { extractFile, listLayer, mergedView } from '../../../src/engine/ops/files';
import { openPath } from '../../../src/platform/node';
import { have, run, tempDir } from '../../fixtures/tools';

type Row = [path: string, type: string, link: string];

/** What a directory tree holds, as rows (hardlinked files are plain files on disk). */
function walk(root: string, rel = ''): Row[] {
  const out: Row[] = [];
  for (const name of readdirSync(join(root, rel))) {
    const p = rel ? `${rel}/${name}` : name;
    const st = lstatSync(join(root, p));
    if (st.isSymbolicLink()) out.push([p, 'symlink', readlinkSync(join(root, p))]);
    else if (st.isDirectory()) {
      out.push([p, 'dir', '']);
      out.push(...walk(root, p));
    } else out.push([p, st.isFile() ? 'file' : 'other', '']);
  }
  return out;
}

const byPath = (a: Row, b: Row) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);
const LONG = `opt/${'n'.repeat(110)}/${'m'.repeat(120)}`;

describe.skipIf(!have('umoci'))('mergedView vs umoci unpack', () => {
  it('lists the same paths, types and link targets as the unpacked rootfs', async () => {
    const dir = tempDir('files');
    const layout = join(dir, 'layout');
    const ref = `${layout}:latest`;
    run('umoci', ['init', '--layout', layout]);
    run('umoci', ['new', '--image', ref]);
    const step = (i: number, edit: (rootfs: string) => void) => {
      const bundle = join(dir, `bundle${i}`);
      run('umoci', ['unpack', '--rootless', '--image', ref, bundle]);
      edit(join(bundle, 'rootfs'));
      run('umoci', ['repack', '--image', ref, bundle]);
    };
    const put = (root: string, p: string, body = p) => {
      mkdirSync(join(root, p, '..'), { recursive: true });
      writeFileSync(join(root, p), body);
    };
    step(0, (r) => {
      for (const p of ['bin/sh', 'bin/ls', 'etc/passwd', 'etc/shadow', 'usr/bin/env', 'var/cache/a', 'var/cache/b']) put(r, p);
      mkdirSync(join(r, 'var/empty'), { recursive: true });
      symlinkSync('/etc/passwd', join(r, 'etc/passwd.link'));
    });
    step(1, (r) => {
      // The seed's flow: a real bin/ replaced by the merged-usr symlink; a file deleted; a cache emptied.
      rmSync(join(r, 'bin'), { recursive: true });
      symlinkSync('usr/bin', join(r, 'bin'));
      put(r, 'usr/bin/sh', 'new shell');
      linkSync(join(r, 'usr/bin/sh'), join(r, 'usr/bin/bash'));
      rmSync(join(r, 'etc/shadow'));
      rmSync(join(r, 'var/cache'), { recursive: true });
      mkdirSync(join(r, 'var/cache'));
      put(r, 'var/cache/c', 'c');
      put(r, LONG, 'long');
    });
    step(2, (r) => {
      rmSync(join(r, 'usr/bin/env'));
      put(r, 'etc/motd', 'hi');
    });
    const final = join(dir, 'final');
    run('umoci', ['unpack', '--rootless', '--image', ref, final]);
    const expected = walk(join(final, 'rootfs')).sort(byPath);

    const archive = await openImage(await openPath(layout), { scratch: memoryScratch() });
    const merged = await mergedView(archive, 0);
    const actual: Row[] = merged.map((e) => [e.path, e.type === 'hardlink' ? 'file' : e.type, e.type === 'symlink' ? e.linkpath : '']);
    expect(actual.sort(byPath)).toEqual(expected);

    // The layer umoci wrote for step 1 carries the seed's whiteouts under the symlink; listLayer shows them.
    const l1 = await listLayer(archive, 0, 1);
    expect(l1.filter((e) => e.whiteout).map((e) => e.path)).toEqual(expect.arrayContaining(['bin/.wh.ls', 'bin/.wh.sh', 'etc/.wh.shadow']));
    // The hardlink's bytes come out as the file it links to.
    const bash = merged.find((e) => e.path === 'usr/bin/bash')!;
    const blob = await extractFile(archive, 0, bash.layer, bash.path, { scratch: memoryScratch() }, { ordinal: bash.ordinal });
    expect(await blob.text()).toBe('new shell');
  });
});
