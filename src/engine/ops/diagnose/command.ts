// command-hidden: the image's own command does not start because a link of its exec chain (layers/exec.ts: the
// command, a `#!` interpreter, env's NAME, an ELF loader) is hidden by a symlink a layer put over a lower
// directory — and carrying the hidden files over (the carry-over-hidden-files repair) makes the chain whole again.
// The chain is followed on the merged filesystem after the last layer, then on the same view with the hidden
// files carried over; only when the second one starts is the problem raised (with the repair as a default).

import type { Lookup, LinkNode } from '../../layers/resolve';
import { resolveLinkTarget, ancestorsOf, cleanPath } from '../../layers/paths';
import { execChain, imageCommand, type ChainLink, type HeadReader } from '../../layers/exec';
import type { MergedFs, MergedNode } from '../../layers/merge';
import type { Problem } from './types';

export interface HidingLink {
  /** Layer index and blob holding the symlink, the symlink's path and stored target. */
  layer: number;
  blob: string;
  path: string;
  linkpath: string;
}

/** A lower file a symlink hides, as carry-over would write it at its twin path (behind the link's target). */
export interface Carried<N extends MergedNode> {
  node: N;
  hiddenBy: HidingLink;
}

/** The hidden files carry-over would bring back, by twin path; filled layer by layer before each is applied. */
export class CarryPlan<N extends MergedNode> {
  readonly twins = new Map<string, Carried<N>>();
  private readonly dirs = new Set<string>();

  /** `lost` (paths under `link.path` in the lower view) reappear under the link's target. */
  add(lower: MergedFs<N>, link: HidingLink, lost: string[]): void {
    const target = resolveLinkTarget(link.path, link.linkpath).path;
    for (const p of lost) {
      const n = lower.get(p);
      if (!n) continue;
      const twin = target + p.slice(link.path.length);
      // A relative link keeps meaning what it meant at its old place (as the planner writes it).
      const moved = n.type === 'symlink' && !n.linkpath.startsWith('/') ? `/${resolveLinkTarget(p, n.linkpath).path}` : n.linkpath;
      this.twins.set(twin, { node: { ...n, path: twin, linkpath: moved }, hiddenBy: link });
      for (const a of ancestorsOf(twin)) this.dirs.add(a);
    }
  }

  /** The merged view with the hidden files carried over. */
  over(fs: MergedFs<N>): Lookup<N | LinkNode> {
    return (p) => fs.lookup(p) ?? this.twins.get(p)?.node ?? (this.dirs.has(p) ? DIR : undefined);
  }
}

const DIR: LinkNode = { type: 'dir', linkpath: '' };

const KIND_WORDS: Record<ChainLink['kind'], string> = {
  command: 'command',
  interpreter: 'script interpreter',
  'env-target': 'program run through `env`',
  loader: 'dynamic loader',
};

/** The command-hidden problem for one image, or undefined when its command starts (or carry-over would not help). */
export async function commandHidden<N extends MergedNode>(
  config: unknown,
  image: number,
  fs: MergedFs<N>,
  carry: CarryPlan<N>,
  readHead: HeadReader<N | LinkNode>,
): Promise<Problem | undefined> {
  const cmd = imageCommand(config);
  if (!cmd || carry.twins.size === 0) return undefined;
  const now = await execChain<N | LinkNode>(fs.lookup, cmd, readHead);
  if (!now.broken) return undefined;
  const carried = await execChain<N | LinkNode>(carry.over(fs), cmd, readHead);
  if (carried.broken || carried.unknown) return undefined;
  // The first link of the chain that only resolves through a carried file: what the layer hid.
  let hit: { link: ChainLink; by: HidingLink } | undefined;
  for (const link of carried.links) {
    const twin = link.resolution?.visited.find((v) => !fs.lookup(v) && carry.twins.has(v));
    if (twin) {
      hit = { link, by: carry.twins.get(twin)!.hiddenBy };
      break;
    }
  }
  if (!hit) return undefined;
  const argv0 = cmd.argv[0];
  const what = cmd.field === 'Entrypoint' ? 'entrypoint' : 'command';
  const by = `layer ${hit.by.layer}'s \`${hit.by.path} -> ${hit.by.linkpath}\``;
  const chainWords = carried.links
    .slice(0, carried.links.indexOf(hit.link as ChainLink<N | LinkNode>) + 1)
    .map((l) => `\`${l.name}\``)
    .join(' → ');
  const subject =
    hit.link.kind === 'command'
      ? `The image's ${what} \`${argv0}\` is hidden by ${by}`
      : `The image's ${what} \`${argv0}\` needs its ${KIND_WORDS[hit.link.kind]} \`${hit.link.name}\` (${chainWords}), which is hidden by ${by}`;
  const loaderToo = carried.links.find((l) => l.kind === 'loader' && l !== hit!.link && l.resolution?.visited.some((v) => !fs.lookup(v) && carry.twins.has(v)));
  return {
    code: 'command-hidden',
    severity: 'error',
    image,
    layer: hit.by.layer,
    blob: hit.by.blob,
    paths: hit.link.kind === 'command' ? [argv0] : [argv0, hit.link.name],
    fix: 'carry-over-hidden-files',
    message:
      `${subject}: \`docker run\` will fail with \`${now.error}\`.` +
      (loaderToo ? ` Its dynamic loader \`${loaderToo.name}\` is hidden the same way.` : '') +
      ` Fix: carry the hidden files over (as usrmerge does).`,
  };
}

/** Head reader over an image's stored layers, for nodes that know (layer, ordinal); cached per entry. */
export function layerHeadReader<N extends LinkNode>(
  layerOf: (layer: number) => { blob?: Blob } | undefined,
  read: (layer: number, ordinal: number, max: number, hardlinkTarget?: string) => Promise<Uint8Array | undefined>,
): HeadReader<N> {
  const cache = new Map<string, Promise<Uint8Array | undefined>>();
  return (n, _path, max) => {
    const node = n as N & { layer?: number; ordinal?: number };
    if (node.layer === undefined || node.ordinal === undefined) return Promise.resolve(undefined);
    if (!layerOf(node.layer)?.blob) return Promise.resolve(undefined);
    const key = `${node.layer}:${node.ordinal}:${max}`;
    let p = cache.get(key);
    if (!p) {
      p = read(node.layer, node.ordinal, max, node.type === 'hardlink' ? cleanPath(node.linkpath).path : undefined).catch(() => undefined);
      cache.set(key, p);
    }
    return p;
  };
}
