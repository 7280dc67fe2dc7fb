// Build's side of "the image runs its own command": the exec chain (layers/exec.ts) of the final config, followed
// through the base view with one planned layer on top. build turns usrmerge carry-over on by itself when the chain
// is broken without it and whole with it (a merged-usr app whose `#!/bin/sh` or dynamic loader lives in the
// classic base's /bin or /lib).

import { execChain, imageCommand, type ExecChain, type HeadReader } from '../layers/exec';
import { readEntryHead } from '../layers/head';
import { ancestorsOf } from '../layers/paths';
import type { MergedFs } from '../layers/merge';
import type { LinkNode, Lookup } from '../layers/resolve';
import type { Layer } from '../oci/archive';
import type { FsNode } from './types';

/** The view after one more layer: its nodes over the view, a non-directory of the layer hiding what is below it. */
export function layerOver(view: MergedFs<FsNode>, nodes: FsNode[]): Lookup<FsNode | LinkNode> {
  const top = new Map(nodes.map((n) => [n.path, n]));
  return (p) => {
    const t = top.get(p);
    if (t) return t;
    for (const a of ancestorsOf(p)) {
      const n = top.get(a);
      if (n && n.type !== 'dir') return undefined;
    }
    return view.lookup(p);
  };
}

/** Heads of app files (their content slices) and base files (a bounded read of their base layer entry). */
export function buildHeadReader(baseLayers: Layer[], lookup: Lookup<FsNode | LinkNode>, signal?: AbortSignal): HeadReader<FsNode | LinkNode> {
  return async (n, _path, max) => {
    let node = n as FsNode;
    if (node.type === 'hardlink' && !node.base) node = (lookup(node.linkpath) as FsNode | undefined) ?? node;
    if (node.content) return new Uint8Array(await node.content.slice(0, max).arrayBuffer());
    if (!node.base) return undefined;
    const layer = baseLayers[node.base.layer];
    if (!layer?.blob) return undefined;
    // A carried hardlink's linkpath names its new place: let the layer entry name its target.
    return readEntryHead(() => layer.uncompressed({ signal }), node.base.ordinal, max, { signal }).catch(() => undefined);
  };
}

/** The exec chain of `config`'s command over the view plus `nodes`; undefined when the config has no command. */
export async function chainOver(
  config: unknown,
  view: MergedFs<FsNode>,
  nodes: FsNode[],
  baseLayers: Layer[],
  signal?: AbortSignal,
): Promise<ExecChain<FsNode | LinkNode> | undefined> {
  const cmd = imageCommand(config);
  if (!cmd) return undefined;
  const lookup = layerOver(view, nodes);
  return execChain(lookup, cmd, buildHeadReader(baseLayers, lookup, signal));
}
