// changesByLayer's result as it crosses the worker boundary: the per-layer numbers as they are, the path changes of
// all layers as columns (NUL-joined strings and typed arrays, like files-wire.ts): 100k change objects would cost
// a noticeable structured clone; columns clone in milliseconds.

import type { TarEntryType } from '../../tar/types';
import type { ChangeKind, LayerChanges, PathChange } from './changes';

export interface PackedLayerChanges {
  /** Per layer, without `changes`; `tarSize` = the uncompressed tar size when known (ListingCache.tarSize). */
  layers: (Omit<LayerChanges, 'changes'> & { tarSize?: number })[];
  /** Changes of layer i are rows starts[i] .. starts[i+1]-1. */
  starts: Uint32Array;
  count: number;
  paths: string;
  /** Symlink target before ('' when none). */
  beforeLinks: string;
  /** bits 0-1 kind (0 added, 1 changed, 2 removed); bit 2 opaque; bit 3 has before. */
  flags: Uint8Array;
  types: Uint8Array;
  sizes: Float64Array;
  beforeTypes: Uint8Array;
  beforeSizes: Float64Array;
  beforeModes: Uint16Array;
  beforeUids: Float64Array;
  beforeGids: Float64Array;
  beforeMtimes: Float64Array;
}

const TYPES: TarEntryType[] = ['file', 'hardlink', 'symlink', 'char', 'block', 'dir', 'fifo', 'other'];
const KINDS: ChangeKind[] = ['added', 'changed', 'removed'];

export function packChanges(list: LayerChanges[], tarSizes: (number | undefined)[] = []): PackedLayerChanges {
  const n = list.reduce((s, l) => s + l.changes.length, 0);
  const p: PackedLayerChanges = {
    layers: list.map(({ changes: _c, ...rest }, i) => (tarSizes[i] !== undefined ? { ...rest, tarSize: tarSizes[i] } : rest)),
    starts: new Uint32Array(list.length + 1),
    count: n,
    paths: '',
    beforeLinks: '',
    flags: new Uint8Array(n),
    types: new Uint8Array(n),
    sizes: new Float64Array(n),
    beforeTypes: new Uint8Array(n),
    beforeSizes: new Float64Array(n),
    beforeModes: new Uint16Array(n),
    beforeUids: new Float64Array(n),
    beforeGids: new Float64Array(n),
    beforeMtimes: new Float64Array(n),
  };
  const paths: string[] = new Array(n);
  const links: string[] = new Array(n);
  let i = 0;
  list.forEach((l, li) => {
    p.starts[li] = i;
    for (const c of l.changes) {
      paths[i] = c.path;
      links[i] = c.before?.linkpath ?? '';
      p.flags[i] = KINDS.indexOf(c.kind) | (c.opaque ? 4 : 0) | (c.before ? 8 : 0);
      p.types[i] = TYPES.indexOf(c.type);
      p.sizes[i] = c.size;
      if (c.before) {
        p.beforeTypes[i] = TYPES.indexOf(c.before.type);
        p.beforeSizes[i] = c.before.size;
        p.beforeModes[i] = c.before.mode;
        p.beforeUids[i] = c.before.uid;
        p.beforeGids[i] = c.before.gid;
        p.beforeMtimes[i] = c.before.mtime;
      }
      i++;
    }
  });
  p.starts[list.length] = i;
  p.paths = paths.join('\0');
  p.beforeLinks = links.join('\0');
  return p;
}

export function unpackChanges(p: PackedLayerChanges): (LayerChanges & { tarSize?: number })[] {
  const paths = p.count ? p.paths.split('\0') : [];
  const links = p.count ? p.beforeLinks.split('\0') : [];
  return p.layers.map((l, li) => {
    const changes: PathChange[] = [];
    for (let i = p.starts[li]; i < p.starts[li + 1]; i++) {
      const f = p.flags[i];
      const c: PathChange = { path: paths[i], kind: KINDS[f & 3], type: TYPES[p.types[i]] ?? 'other', size: p.sizes[i] };
      if (f & 4) c.opaque = true;
      if (f & 8)
        c.before = {
          path: paths[i],
          type: TYPES[p.beforeTypes[i]] ?? 'other',
          size: p.beforeSizes[i],
          mode: p.beforeModes[i],
          uid: p.beforeUids[i],
          gid: p.beforeGids[i],
          mtime: p.beforeMtimes[i],
          linkpath: links[i],
        };
      changes.push(c);
    }
    return { ...l, changes };
  });
}
