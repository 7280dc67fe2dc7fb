// Rules that depend on the layers below (reported per image), on the one merged-filesystem model (layers/merge.ts,
// Docker/overlay's parent rule; where containerd would differ, the message says what each engine does).

import type { LayerFacts } from '../../layers/scan';
import { resolveLinkTarget } from '../../layers/paths';
import { MergedFs, type Divergence, type MergedNode } from '../../layers/merge';
import { isReservedWhiteout, isWhiteout, whiteoutTarget } from '../../layers/whiteout';
import type { CarryPlan } from './command';
import { nonDirAncestorInLayer } from './layer';
import { sample, type Problem } from './types';

// The merged view of the lower layers (layers/merge.ts, Docker/overlay's parent rule): path -> what extraction of
// the layers so far leaves there, with the layer that put it there.

export interface DNode extends MergedNode {
  /** Layer index that put it there, and the entry's position in that layer. */
  layer: number;
  ordinal: number;
}

export type Tree = MergedFs<DNode>;

export function newTree(): Tree {
  return new MergedFs<DNode>();
}

export function applyFacts(tree: Tree, facts: LayerFacts, layer: number): Divergence[] {
  return tree.applyLayer(facts.entries, (e, path) => ({ path, type: e.type, linkpath: e.linkpath, layer, ordinal: e.ordinal }));
}

/** Rules that depend on the layers below (reported per image). */
/** Where containerd's rule (follow the lower symlink) puts an entry, as the merged model computes it. */
function followed(lower: Tree, path: string): string {
  const p = lower.place(path);
  const there = lower.parents === 'follow' ? p.path : p.other;
  return there && there !== path ? ` (\`${path}\` lands at \`${there}\`)` : '';
}

export function crossLayerProblems(facts: LayerFacts, lower: Tree, where: { image: number; layer: number; blob: string }, carry?: CarryPlan<DNode>): Problem[] {
  const out: Problem[] = [];
  const L = `Layer ${where.layer}`;
  const noTarget: string[] = [];
  const overLink = new Map<string, { explicit: boolean; paths: string[]; node: DNode }>();
  for (const e of facts.entries) {
    if (e.pathProblem === 'escapes-root') continue;
    // Whiteouts under a same-layer non-directory are reported (and removed) already.
    if (isWhiteout(e.path) && nonDirAncestorInLayer(facts, e.path)) continue;
    const t = whiteoutTarget(e.path);
    if (t !== undefined && !isReservedWhiteout(e.path) && !lower.lookup(t)) noTarget.push(e.path);
    const link = lower.symlinkAtOrAbove(e.path);
    if (!link) continue;
    const s = { path: link.path, node: link };
    if (s.path === e.path && e.type !== 'dir') continue; // a file or symlink simply replaces the lower symlink
    // What this layer itself stores at the symlink's path: a directory makes the replacement explicit; a
    // symlink or file re-creates it (the same-layer rules cover entries under it).
    const own = facts.byPath.get(s.path);
    const ownType = own === undefined ? undefined : facts.entries[own].type;
    if (ownType !== undefined && ownType !== 'dir') continue;
    const explicit = ownType === 'dir';
    const g = overLink.get(s.path) ?? { explicit: false, paths: [], node: s.node };
    g.explicit ||= explicit;
    g.paths.push(e.path);
    overLink.set(s.path, g);
  }
  // A symlink over a lower directory hides the directory's files; those with no twin at the link target vanish.
  for (const [path, ord] of facts.byPath) {
    const e = facts.entries[ord];
    if (e.type !== 'symlink' || e.pathProblem === 'escapes-root' || path === '') continue;
    if (lower.lookup(path)?.type !== 'dir' || nonDirAncestorInLayer(facts, path)) continue;
    const target = resolveLinkTarget(path, e.linkpath).path;
    const hidden = lower.descendants(path).filter((d) => lower.get(d)!.type !== 'dir');
    const lost = hidden.filter((p) => {
      const twin = target + p.slice(path.length);
      return !facts.byPath.has(twin) && !lower.lookup(twin);
    });
    if (lost.length === 0) continue;
    carry?.add(lower, { layer: where.layer, blob: where.blob, path, linkpath: e.linkpath }, lost);
    out.push({
      code: 'symlink-hides-lower-files',
      severity: 'warning',
      ...where,
      paths: lost,
      fix: 'carry-over-hidden-files',
      message:
        `${L} replaces the directory \`${path}\`${lower.get(path) ? ` of layer ${lower.get(path)!.layer}` : ''} with a symlink to \`${e.linkpath}\`, which hides its ` +
        `${hidden.length} file${hidden.length > 1 ? 's' : ''}; ${lost.length} of them have no twin in \`${target}/\` (${sample(lost)}), so the ` +
        `container will not have them (e.g. \`/${lost[0]}\`). That is what the OCI rules say and what Docker does once the whiteouts are ` +
        `fixed. Optional fix: carry them over into \`${target}/\` in this layer, as Debian's usrmerge does.`,
    });
  }
  if (noTarget.length)
    out.push({
      code: 'whiteout-without-target',
      severity: 'info',
      ...where,
      paths: noTarget,
      message:
        `${L} whites out ${noTarget.length} path${noTarget.length > 1 ? 's' : ''} that no lower layer has (${sample(noTarget)}). ` +
        `Harmless: the whiteouts delete nothing (engines still create a whiteout device for each).`,
    });
  for (const [link, g] of overLink) {
    const target = resolveLinkTarget(link, g.node.linkpath).path;
    out.push({
      code: 'dir-over-lower-symlink',
      severity: g.explicit ? 'error' : 'warning',
      ...where,
      paths: g.paths,
      message: g.explicit
        ? `${L} stores \`${link}/\` as a directory, but layer ${g.node.layer} made \`${link}\` a symlink to \`${g.node.linkpath}\` ` +
          `(the opposite merged-usr break). Docker (overlay2) and podman replace the symlink with a real directory holding only ` +
          `this layer's entries, so everything reached through \`/${link}\` (e.g. the dynamic loader under \`/${target}\`) disappears from ` +
          `the container. Store these entries under \`${target}/\` instead.`
        : `${L} stores ${g.paths.length} entr${g.paths.length > 1 ? 'ies' : 'y'} under \`${link}/\` (${sample(g.paths)}), but layer ` +
          `${g.node.layer} made \`${link}\` a symlink to \`${g.node.linkpath}\`. containerd writes them through the symlink into ` +
          `\`${target}/\`${followed(lower, g.paths[0])}; Docker (overlay2) creates a real \`${link}\` directory that hides the symlink and everything behind it. ` +
          `Store them under \`${target}/\` instead.`,
    });
  }
  return out;
}

