// Writing planned nodes as layer tar entries: sorted paths, numeric owners kept, uname/gname cleared, mtimes
// clamped to SOURCE_DATE_EPOCH, extended attributes kept. Hardlinks are re-rooted so that every link refers to
// an entry written EARLIER in the same layer (engines extract in order; a layer cannot link into another).

import type { TarWriter } from '../tar/writer';
import type { TarHeaderInput } from '../tar/types';
import { LwError, throwIfAborted } from '../errors';
import type { BuildWarning, FsNode } from './types';

/**
 * For one layer's sorted nodes: each hardlink group (a file and the links to it) is written as a regular file at
 * the group's first path in sort order, the others as links to it. A link whose target is not in this layer
 * becomes a regular file when its bytes are known (carried, or split into another layer), else it is dropped.
 */
export function finalizeHardlinks(nodes: FsNode[], warnings: BuildWarning[] = []): FsNode[] {
  const byPath = new Map(nodes.map((n) => [n.path, n]));
  const groups = new Map<string, FsNode[]>(); // root file path -> links
  const replaced = new Map<string, FsNode | null>();
  for (const n of nodes) {
    if (n.type !== 'hardlink') continue;
    let t = byPath.get(n.linkpath);
    for (let hops = 0; t && t.type === 'hardlink' && hops < 40; hops++) t = byPath.get(t.linkpath);
    if (t && t.type === 'file') {
      const g = groups.get(t.path);
      if (g) g.push(n);
      else groups.set(t.path, [n]);
    } else if (n.content) {
      replaced.set(n.path, { ...n, type: 'file', linkpath: '', size: n.content.size });
    } else {
      warnings.push({ code: 'hardlink-target-missing', path: n.path, message: `${n.path} is a hardlink to ${n.linkpath}, which this layer does not hold: left out.` });
      replaced.set(n.path, null);
    }
  }
  for (const [rootPath, links] of groups) {
    const root = byPath.get(rootPath)!;
    const members = [root, ...links].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    const first = members[0];
    replaced.set(first.path, { ...root, path: first.path, linkpath: '' });
    for (const m of members.slice(1)) replaced.set(m.path, { ...root, path: m.path, type: 'hardlink', linkpath: first.path, size: 0, content: undefined });
  }
  const out: FsNode[] = [];
  for (const n of nodes) {
    const r = replaced.get(n.path);
    if (r === null) continue;
    out.push(r ?? n);
  }
  return out;
}

export function headerOf(n: FsNode, sourceDateEpoch?: number): TarHeaderInput {
  let mtime = Math.max(0, Math.floor(n.mtime));
  if (sourceDateEpoch !== undefined) mtime = Math.min(mtime, sourceDateEpoch);
  const h: TarHeaderInput = {
    path: n.path,
    type: n.type,
    size: n.type === 'file' ? n.size : 0,
    mode: n.mode,
    uid: n.uid,
    gid: n.gid,
    uname: '',
    gname: '',
    mtime,
  };
  if (n.type === 'symlink' || n.type === 'hardlink') h.linkpath = n.linkpath;
  if (n.type === 'char' || n.type === 'block') {
    h.devmajor = n.devmajor;
    h.devminor = n.devminor;
  }
  if (n.xattrs) h.pax = { ...n.xattrs };
  return h;
}

export async function writeNodes(w: TarWriter, nodes: FsNode[], opts: { sourceDateEpoch?: number; signal?: AbortSignal } = {}): Promise<void> {
  for (const n of nodes) {
    throwIfAborted(opts.signal);
    if (n.type === 'file' && !n.content && n.size > 0)
      throw new LwError('corrupt', `The bytes of ${n.path} were not found in the base image.`, { entry: n.path });
    await w.add(headerOf(n, opts.sourceDateEpoch), n.type === 'file' ? (n.content ?? new Uint8Array(0)) : undefined);
  }
}
