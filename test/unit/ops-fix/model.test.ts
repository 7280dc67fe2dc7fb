// diagnose reads the merged filesystem through layers/merge.ts: these fail when its whiteout rules go missing.
import { describe, expect, it } from 'vitest';
import { diagnose } from '../../../src/engine/ops/diagnose';
import { dir, file, layer, openBuilt, sym, wh, type E } from '../layers/fixtures';

async function problems(layers: E[][]) {
  const { archive } = await openBuilt({ layers: await Promise.all(layers.map((l) => layer(l))) });
  return diagnose(archive);
}

describe('diagnose on the merged model', () => {
  it('an opaque whiteout hides lower children: a later whiteout of one of them has no target', async () => {
    const ps = await problems([[dir('d/'), file('d/x'), file('d/y')], [dir('d/'), wh('d/.wh..wh..opq')], [wh('d/.wh.x')]]);
    const none = ps.filter((p) => p.code === 'whiteout-without-target');
    expect(none.map((p) => [p.layer, p.paths])).toEqual([[2, ['d/.wh.x']]]);
  });

  it('a plain whiteout deletes only its target: the sibling is still there to white out', async () => {
    const ps = await problems([[dir('d/'), file('d/x'), file('d/y')], [wh('d/.wh.x')], [wh('d/.wh.y')]]);
    expect(ps.filter((p) => p.code === 'whiteout-without-target')).toEqual([]);
  });

  it('a file replacing a directory hides its subtree, and the directory coming back does not restore it', async () => {
    const ps = await problems([[dir('a/'), file('a/x')], [file('a')], [dir('a/')], [wh('a/.wh.x')]]);
    expect(ps.filter((p) => p.code === 'whiteout-without-target').map((p) => p.layer)).toEqual([3]);
  });

  it('whiteouts through a replaced parent: under the layer’s own symlink they are the defect, not deletions', async () => {
    const ps = await problems([[dir('bin/'), file('bin/sh'), dir('usr/'), dir('usr/bin/'), file('usr/bin/sh')], [sym('bin', 'usr/bin'), wh('bin/.wh.sh')], [wh('usr/bin/.wh.sh')]]);
    expect(ps.find((p) => p.code === 'whiteout-under-non-directory')?.paths).toEqual(['bin/.wh.sh']);
    // usr/bin/sh survived layer 1 (Docker's rule: the link replaces bin/, the whiteout deletes nothing).
    expect(ps.filter((p) => p.code === 'whiteout-without-target')).toEqual([]);
  });

  it('an entry under a lower symlink: says where containerd writes it and that Docker makes a directory', async () => {
    const ps = await problems([[dir('usr/'), dir('usr/lib/'), file('usr/lib/ld.so'), sym('lib', 'usr/lib')], [file('lib/libnew.so')]]);
    const p = ps.find((x) => x.code === 'dir-over-lower-symlink');
    expect(p).toMatchObject({ severity: 'warning', layer: 1, paths: ['lib/libnew.so'] });
    expect(p!.message).toContain('(`lib/libnew.so` lands at `usr/lib/libnew.so`)');
    expect(p!.message).toContain('Docker (overlay2) creates a real `lib` directory');
  });
});
