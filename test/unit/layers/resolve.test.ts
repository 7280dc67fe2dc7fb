// layers/resolve.ts on a plain map lookup: what each field of a Resolution says (path, node, visited, links, error,
// missingAt, clamped) in the cases callers branch on. Written against surviving mutants of the mutation run.
import { describe, expect, it } from 'vitest';
import { MAX_SYMLINKS, resolve, resolvedPath, type LinkNode } from '../../../src/engine/layers/resolve';
import { LwError } from '../../../src/engine/errors';

const dir: LinkNode = { type: 'dir', linkpath: '' };
const file: LinkNode = { type: 'file', linkpath: '' };
const link = (linkpath: string): LinkNode => ({ type: 'symlink', linkpath });

function lookupOf(entries: Record<string, LinkNode>) {
  const m = new Map(Object.entries(entries));
  return (p: string) => m.get(p);
}

const fs = lookupOf({
  usr: dir,
  'usr/bin': dir,
  'usr/bin/env': file,
  'usr/lib': dir,
  bin: link('usr/bin'),
  abs: link('/usr/bin/env'),
  rel: link('../usr/bin/env'),
  'usr/lib/up': link('../bin/env'),
  plain: file,
  a: link('b'),
  b: link('a'),
});

describe('resolve', () => {
  it('records every lookup and every link followed, in order', () => {
    const r = resolve(fs, 'bin/env');
    expect(r).toEqual({ path: 'usr/bin/env', node: file, visited: ['bin', 'usr', 'usr/bin', 'usr/bin/env'], links: [{ path: 'bin', target: 'usr/bin' }] });
    expect(r.error).toBeUndefined();
    expect(r.clamped).toBeUndefined();
  });

  it('restarts an absolute target at the root, continues a relative one from the link’s directory', () => {
    expect(resolve(fs, 'usr/lib/abs-not-here').error).toBe('missing');
    expect(resolve(fs, 'abs')).toMatchObject({ path: 'usr/bin/env', node: file, links: [{ path: 'abs', target: '/usr/bin/env' }] });
    expect(resolve(fs, 'usr/lib/up')).toMatchObject({ path: 'usr/bin/env', node: file });
    // `..` at the root of a relative target is clamped, and says so.
    expect(resolve(fs, 'rel')).toMatchObject({ path: 'usr/bin/env', clamped: true });
    expect(resolve(fs, 'usr/../usr/bin').clamped).toBeUndefined();
  });

  it('resolves the root itself to a directory', () => {
    expect(resolve(fs, '/')).toMatchObject({ path: '', node: dir, visited: [] });
    expect(resolve(fs, '.')).toMatchObject({ path: '', node: dir });
    const withRoot = lookupOf({ '': { type: 'dir', linkpath: 'x' } });
    expect(resolve(withRoot, '').node).toEqual({ type: 'dir', linkpath: 'x' });
  });

  it('a non-directory used as a directory: not-dir where it is, the rest appended as written', () => {
    expect(resolve(fs, 'plain/x/y')).toMatchObject({ error: 'not-dir', missingAt: 'plain', path: 'plain/x/y' });
    expect(resolve(fs, 'plain/x/y').node).toBeUndefined();
  });

  it('a missing component: the rest is cleaned lexically and appended', () => {
    expect(resolve(fs, 'bin/none/../x')).toMatchObject({ error: 'missing', missingAt: 'usr/bin/none', path: 'usr/bin/x' });
    expect(resolve(fs, 'none')).toMatchObject({ error: 'missing', missingAt: 'none', path: 'none', visited: ['none'] });
  });

  it('createParents takes missing parents as directories, never a missing last component', () => {
    expect(resolve(fs, 'bin/new/x', { createParents: true })).toMatchObject({ path: 'usr/bin/new/x', error: 'missing', missingAt: 'usr/bin/new/x' });
    expect(resolve(fs, 'bin/new', { createParents: true })).toMatchObject({ error: 'missing', missingAt: 'usr/bin/new' });
    expect(resolve(fs, 'bin/new/x').missingAt).toBe('usr/bin/new');
  });

  it('followLast: false stops at a final symlink but follows links on the way', () => {
    const r = resolve(fs, 'bin', { followLast: false });
    expect(r).toMatchObject({ path: 'bin', node: link('usr/bin'), links: [] });
    expect(resolve(fs, 'bin/env', { followLast: false }).links).toEqual([{ path: 'bin', target: 'usr/bin' }]);
  });

  it('a loop stops after MAX_SYMLINKS links, at the link that went over', () => {
    const r = resolve(fs, 'a');
    expect(r.error).toBe('loop');
    expect(r.links.length).toBe(MAX_SYMLINKS);
    expect(r.path).toBe(r.missingAt);
    expect(['a', 'b']).toContain(r.path);
    // Exactly MAX_SYMLINKS links is still fine.
    const chain: Record<string, LinkNode> = { end: file };
    for (let i = 0; i < MAX_SYMLINKS; i++) chain[`l${i}`] = link(i === MAX_SYMLINKS - 1 ? 'end' : `l${i + 1}`);
    expect(resolve(lookupOf(chain), 'l0')).toMatchObject({ path: 'end', node: file });
    chain[`l${MAX_SYMLINKS - 1}`] = link(`l${MAX_SYMLINKS}`);
    chain[`l${MAX_SYMLINKS}`] = link('end');
    expect(resolve(lookupOf(chain), 'l0').error).toBe('loop');
  });

  it('resolvedPath: where an entry would land, a loop as a typed error', () => {
    expect(resolvedPath(fs, 'bin/new/dir/x')).toBe('usr/bin/new/dir/x');
    expect(resolvedPath(fs, 'plain/x')).toBe('plain/x');
    let err: unknown;
    try {
      resolvedPath(fs, 'a/x');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(LwError);
    expect((err as LwError).code).toBe('symlink-loop');
    expect((err as LwError).where.entry).toBe('a/x');
  });
});
