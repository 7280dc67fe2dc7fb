// diagnose: what is wrong with an image, and what real engines will do with it. Every layer blob is read ONCE
// (layers/scan.ts readLayer: stored digest + diff_id + every entry's metadata in one pass); the cross-layer
// rules run on a merged path tree whose memory grows with the number of entries, never with content.
//
// Problem codes (stable: the CLI's --json, the UI and the tests key on them):
//
// | code                          | severity      | what                                                          | fix                     |
// |-------------------------------|---------------|---------------------------------------------------------------|-------------------------|
// | whiteout-under-non-directory  | error         | `bin/.wh.x` in the layer that makes `bin` a symlink (or file) | drop-redundant-whiteouts|
// | parent-not-directory          | warning/error | an entry under a symlink (warning) or file (error) of its layer| —                      |
// | dir-over-lower-symlink        | error/warning | `lib/` (error) or `lib/x` (warning) over a lower `lib -> usr/lib` | —                   |
// | duplicate-path                | warning       | the same path stored more than once in one layer              | drop-duplicates         |
// | bare-whiteout                 | warning       | a `.wh.` with no name                                         | drop-bare-whiteouts     |
// | whiteout-without-target       | info          | a whiteout of a path no lower layer has                       | —                       |
// | unsafe-path                   | error/warning | `../` climbing out of the root (error), absolute path (warning)| drop-unsafe-entries (../)|
// | hardlink-target-missing       | error         | a hardlink to a path not stored earlier in the same layer     | —                       |
// | layer-unreadable              | error         | truncated or corrupt compressed data or tar                   | —                       |
// | suspicious-expansion          | warning       | unpacks past the expansion limits (a bomb?): not read further | —                       |
// | missing-blob                  | error         | a descriptor names a blob the archive lacks                   | —                       |
// | size-mismatch                 | error         | a blob's size differs from its descriptor                     | fix-descriptors (layers: when the digest is right or fixable too) |
// | digest-mismatch               | error         | a blob does not hash to the digest that names it              | fix-descriptors (when the content is otherwise consistent) |
// | diffid-mismatch               | error         | a layer's uncompressed sha256 differs from config diff_ids    | fix-diff-ids (when the stored digest is right) |
// | symlink-hides-lower-files     | warning       | a symlink over a lower directory whose files have no twin at the link target (`/bin/sh` gone) | carry-over-hidden-files (optional) |
// | command-hidden                | error         | the config's Entrypoint[0] (or Cmd[0]), an absolute path, no longer resolves to a file because such a symlink hid it (`docker run` fails) | carry-over-hidden-files (then run by default) |
// | history-layer-mismatch        | warning       | non-empty history entries do not pair with layers             | —                       |
// | unknown-media-type            | error         | a layer/config media type engines do not know                 | —                       |
// | unsupported-digest            | error         | a digest algorithm other than sha256 (verify cannot check it) | —                       |
// | config-missing-field          | error         | config without architecture, os or rootfs.diff_ids            | —                       |
// | unreferenced-blob             | info          | a blob nothing in the layout refers to                        | gc                      |

import { asLwError, throwIfAborted } from '../errors';
import type { OpOptions } from '../env';
import type { TarEntryType } from '../tar/types';
import { indexesAbove, type Image, type ImageArchive } from '../oci/archive';
import { MediaType, isLayerMediaType, type Descriptor } from '../oci/types';
import { digestBlob } from '../digest/index';
import { readLayer, type LayerFacts, type LayerRead, type ScanEntry } from '../layers/scan';
import type { UnpackCache } from '../layers/unpack';
import { ancestorsOf, cleanPath, resolveLinkTarget } from '../layers/paths';
import { MergedFs, type Divergence, type MergedNode } from '../layers/merge';
import { readEntryHead } from '../layers/head';
import type { LinkNode } from '../layers/resolve';
import { CarryPlan, commandHidden, layerHeadReader } from './diagnose/command';
import { isBareWhiteout, isReservedWhiteout, isWhiteout, whiteoutTarget } from '../layers/whiteout';
import { rechain } from '../mutate/rechain';

export type { Severity, ProblemCode, RepairId, Problem } from './diagnose/types';
export { OPTIONAL_REPAIRS } from './diagnose/types';
import type { Problem, Severity } from './diagnose/types';
import { integrityCode, sample, typeWord } from './diagnose/types';

export interface DiagnoseOptions extends OpOptions {
  /** Skip reading layers: layout checks only (fast). */
  layoutOnly?: boolean;
  /**
   * Shares this run's layer reads with a verify of the same archive (layers/unpack.ts UnpackCache): the layers
   * are announced up front, so a verify running meanwhile waits for their digests instead of reading them too.
   */
  cache?: UnpackCache;
}

export interface DiagnoseResult {
  problems: Problem[];
  /** Per layer digest: what one read learned (stored digest, diff_id, entry count), for the UI and fix. */
  layers: { digest: string; actualDigest: string; size: number; diffId?: string; entries: number; error?: string }[];
  ms: number;
}

const SEVERITY_ORDER: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

// ---------------------------------------------------------------------------------------------------------------
// The merged view of the lower layers (layers/merge.ts, Docker/overlay's parent rule): path -> what extraction of
// the layers so far leaves there, with the layer that put it there.

interface DNode extends MergedNode {
  /** Layer index that put it there, and the entry's position in that layer. */
  layer: number;
  ordinal: number;
}

type Tree = MergedFs<DNode>;

function applyFacts(tree: Tree, facts: LayerFacts, layer: number): Divergence[] {
  return tree.applyLayer(facts.entries, (e, path) => ({ path, type: e.type, linkpath: e.linkpath, layer, ordinal: e.ordinal }));
}

/** Nearest ancestor of `path` that this layer stores as a non-directory (its last entry there). */
function nonDirAncestorInLayer(facts: LayerFacts, path: string): ScanEntry | undefined {
  for (const a of ancestorsOf(path)) {
    const i = facts.byPath.get(a);
    if (i === undefined) continue;
    const e = facts.entries[i];
    if (e.type !== 'dir') return e;
  }
  return undefined;
}

/** Rules that need only the layer itself (reported once per layer blob). */
function layerProblems(facts: LayerFacts, where: { image: number; layer: number; blob: string }): Problem[] {
  const out: Problem[] = [];
  const L = `Layer ${where.layer}`;
  // Whiteouts and other entries under a non-directory of the same layer, grouped by that ancestor.
  const whUnder = new Map<string, ScanEntry[]>();
  const entUnder = new Map<string, ScanEntry[]>();
  const bare: ScanEntry[] = [];
  const escapes: ScanEntry[] = [];
  const absolute: ScanEntry[] = [];
  const tooLong: ScanEntry[] = [];
  const badLinks: ScanEntry[] = [];
  for (const e of facts.entries) {
    if (e.pathProblem === 'escapes-root') escapes.push(e);
    else if (e.pathProblem === 'absolute') absolute.push(e);
    else if (e.pathProblem === 'too-long') tooLong.push(e);
    if (isBareWhiteout(e.path)) bare.push(e);
    const anc = nonDirAncestorInLayer(facts, e.path);
    if (anc) {
      const m = isWhiteout(e.path) ? whUnder : entUnder;
      const list = m.get(anc.path);
      if (list) list.push(e);
      else m.set(anc.path, [e]);
    }
    if (e.type === 'hardlink') {
      const t = cleanPath(e.linkpath).path;
      const ti = facts.byPath.get(t);
      // Extraction links to what is already on disk: the target must come earlier in the same layer.
      const earlier = ti !== undefined && (ti < e.ordinal || (facts.duplicates.get(t)?.some((o) => o < e.ordinal) ?? false));
      if (!earlier) badLinks.push(e);
    }
  }
  for (const [anc, list] of whUnder) {
    const a = facts.entries[facts.byPath.get(anc)!];
    const paths = list.map((e) => e.path);
    const firstTarget = list.map((e) => whiteoutTarget(e.path)).find((t) => t !== undefined) ?? `${anc}/…`;
    if (a.type === 'symlink') {
      const target = resolveLinkTarget(a.path, a.linkpath).path;
      const through = `${target}${firstTarget.slice(anc.length)}`;
      out.push({
        code: 'whiteout-under-non-directory',
        severity: 'error',
        ...where,
        paths,
        entries: list.map((e) => e.ordinal),
        fix: 'drop-redundant-whiteouts',
        message:
          `${L} replaces \`${anc}\` with a symlink to \`${a.linkpath}\` and also holds ${list.length} whiteout${list.length > 1 ? 's' : ''} inside it ` +
          `(${sample(paths)}). The symlink alone already hides everything the lower layers had under \`${anc}/\`, so these whiteouts are ` +
          `redundant — and harmful: \`docker load\` fails with \`failed to mknod("/${firstTarget}", S_IFCHR, 0): no such file or directory\`; ` +
          `containerd follows the symlink and writes each whiteout as a 0/0 character device (e.g. at \`${through}\`), silently ` +
          `deleting that file of the lower layers; podman loses those paths too. Fix: drop these whiteouts.`,
      });
    } else {
      out.push({
        code: 'whiteout-under-non-directory',
        severity: 'error',
        ...where,
        paths,
        entries: list.map((e) => e.ordinal),
        fix: 'drop-redundant-whiteouts',
        message:
          `${L} stores \`${anc}\` as a ${typeWord(a.type)} and also holds ${list.length} whiteout${list.length > 1 ? 's' : ''} under it (${sample(paths)}). ` +
          `The ${typeWord(a.type)} already replaces whatever the lower layers had at \`${anc}\`; engines cannot create the whiteouts ` +
          `under a non-directory and the load fails (\`not a directory\`). Fix: drop these whiteouts.`,
      });
    }
  }
  for (const [anc, list] of entUnder) {
    const a = facts.entries[facts.byPath.get(anc)!];
    const paths = list.map((e) => e.path);
    const isLink = a.type === 'symlink';
    out.push({
      code: 'parent-not-directory',
      severity: isLink ? 'warning' : 'error',
      ...where,
      paths,
      message: isLink
        ? `${L} stores ${list.length} entr${list.length > 1 ? 'ies' : 'y'} under \`${anc}\` (${sample(paths)}), which the same layer makes a ` +
          `symlink to \`${a.linkpath}\`. Docker and containerd follow the symlink and write them under \`${resolveLinkTarget(anc, a.linkpath).path}/\` ` +
          `(or fail when that does not exist); other tools create a directory instead. Store them under their real path.`
        : `${L} stores ${list.length} entr${list.length > 1 ? 'ies' : 'y'} under \`${anc}\` (${sample(paths)}), which the same layer stores as a ` +
          `${typeWord(a.type)}. Extraction fails with \`not a directory\` in Docker and containerd.`,
    });
  }
  for (const [path, ordinals] of facts.duplicates) {
    const kinds = ordinals.map((o) => typeWord(facts.entries[o].type));
    out.push({
      code: 'duplicate-path',
      severity: 'warning',
      ...where,
      paths: [path],
      entries: ordinals.slice(0, -1),
      fix: 'drop-duplicates',
      message:
        `${L} stores \`${path || '.'}\` ${ordinals.length} times (${kinds.join(', ')}). Extraction keeps the last copy; the earlier ` +
        `ones are dead weight, and the OCI spec forbids duplicate paths in a layer. Fix: keep only the last.`,
    });
  }
  if (bare.length)
    out.push({
      code: 'bare-whiteout',
      severity: 'warning',
      ...where,
      paths: bare.map((e) => e.path),
      entries: bare.map((e) => e.ordinal),
      fix: 'drop-bare-whiteouts',
      message:
        `${L} holds ${bare.length} bare whiteout${bare.length > 1 ? 's' : ''} (${sample(bare.map((e) => e.path))}): \`.wh.\` with no name. ` +
        `It names no file; the OCI spec calls it invalid and engines disagree on it (some reject the layer, others act on the ` +
        `directory holding it). Fix: drop it.`,
    });
  if (escapes.length)
    out.push({
      code: 'unsafe-path',
      severity: 'error',
      ...where,
      paths: escapes.map((e) => e.path),
      entries: escapes.map((e) => e.ordinal),
      fix: 'drop-unsafe-entries',
      message:
        `${L} holds ${escapes.length} entr${escapes.length > 1 ? 'ies' : 'y'} whose path climbs out of the root with \`../\` ` +
        `(${sample(escapes.map((e) => e.path))}). Docker refuses the layer as a breakout attempt; containerd refuses or skips it. Fix: drop them.`,
    });
  if (absolute.length)
    out.push({
      code: 'unsafe-path',
      severity: 'warning',
      ...where,
      paths: absolute.map((e) => `/${e.path}`),
      message:
        `${L} holds ${absolute.length} entr${absolute.length > 1 ? 'ies' : 'y'} with an absolute path (${sample(absolute.map((e) => `/${e.path}`))}). ` +
        `Docker and containerd strip the leading \`/\` and extract them inside the image; stricter tools reject them.`,
    });
  if (tooLong.length)
    out.push({
      code: 'unsafe-path',
      severity: 'error',
      ...where,
      paths: tooLong.slice(0, 100).map((e) => e.path),
      entries: tooLong.map((e) => e.ordinal),
      message:
        `${L} holds ${tooLong.length} entr${tooLong.length > 1 ? 'ies' : 'y'} whose path or link name is longer than Linux allows ` +
        `(4096 bytes, or 255 for one component; e.g. ${sample(tooLong.map((e) => e.path.slice(0, 80)))}). No engine can extract them.`,
    });
  if (badLinks.length)
    out.push({
      code: 'hardlink-target-missing',
      severity: 'error',
      ...where,
      paths: badLinks.map((e) => e.path),
      message:
        `${L} holds ${badLinks.length} hard link${badLinks.length > 1 ? 's' : ''} whose target is not stored earlier in the same layer ` +
        `(${badLinks.slice(0, 3).map((e) => `\`${e.path}\` → \`${e.linkpath}\``).join(', ')}${badLinks.length > 3 ? ', …' : ''}). ` +
        `Hard links may only point at files of their own layer: \`docker load\` and containerd fail with \`no such file or directory\`.`,
    });
  return out;
}

/** Rules that depend on the layers below (reported per image). */
function crossLayerProblems(facts: LayerFacts, lower: Tree, where: { image: number; layer: number; blob: string }, carry?: CarryPlan<DNode>): Problem[] {
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
          `\`${target}/\`; Docker (overlay2) creates a real \`${link}\` directory that hides the symlink and everything behind it. ` +
          `Store them under \`${target}/\` instead.`,
    });
  }
  return out;
}

/** Layout rules on one image (no layer content needed). */
async function imageLayoutProblems(archive: ImageArchive, img: Image, image: number, opts: OpOptions): Promise<Problem[]> {
  const out: Problem[] = [];
  const cfg = img.config as unknown as Record<string, unknown>;
  const cd = img.manifest.config;
  // Config and manifest blobs: present, sized and hashed right (small documents).
  const docs: { what: string; d: Descriptor; blob?: Blob; skipDigest?: boolean }[] = [
    { what: 'The config', d: cd, blob: img.configBlob },
  ];
  if (img.manifestBlob) docs.push({ what: 'The manifest', d: img.manifestDescriptor, blob: img.manifestBlob });
  for (const p of indexesAbove(archive, img)) docs.push({ what: 'The index', d: p, blob: archive.blob(p.digest) });
  for (const { what, d, blob } of docs) {
    if (!blob) {
      out.push({ code: 'missing-blob', severity: 'error', image, blob: d.digest, message: `${what} ${d.digest} is not in the archive: no engine can load this image.` });
      continue;
    }
    if (blob.size !== d.size)
      out.push({
        code: 'size-mismatch', severity: 'error', image, blob: d.digest, fix: 'fix-descriptors', expected: String(d.size), actual: String(blob.size),
        message: `${what} ${d.digest} is ${blob.size} bytes but its descriptor says ${d.size}: engines stop reading at the declared size and refuse the image. Fix: correct the descriptor.`,
      });
    const actual = await digestBlob(blob, { signal: opts.signal });
    if (actual !== d.digest)
      out.push({
        code: 'digest-mismatch', severity: 'error', image, blob: d.digest, fix: 'fix-descriptors', expected: d.digest, actual,
        message: `${what} hashes to ${actual}, not to ${d.digest} that names it: skopeo, containerd and Docker refuse it (\`digest mismatch\`). Fix: re-address it by its content.`,
      });
  }
  if (!img.configBlob) return out;
  const missing: string[] = [];
  if (typeof cfg.architecture !== 'string' || !cfg.architecture) missing.push('architecture');
  if (typeof cfg.os !== 'string' || !cfg.os) missing.push('os');
  const rootfs = cfg.rootfs as { type?: unknown; diff_ids?: unknown } | undefined;
  if (!rootfs || rootfs.type !== 'layers') missing.push('rootfs.type ("layers")');
  if (!rootfs || !Array.isArray(rootfs.diff_ids)) missing.push('rootfs.diff_ids');
  if (missing.length)
    out.push({
      code: 'config-missing-field', severity: 'error', image, blob: cd.digest, paths: missing,
      message: `The config lacks ${missing.join(', ')}, which the OCI spec requires: Docker and containerd refuse to load the image.`,
    });
  const ids = Array.isArray(rootfs?.diff_ids) ? (rootfs!.diff_ids as unknown[]) : undefined;
  if (ids && ids.length !== img.layers.length)
    out.push({
      code: 'diffid-mismatch', severity: 'error', image, blob: cd.digest,
      message: `The config lists ${ids.length} diff_ids for ${img.layers.length} layers: engines pair them by position and refuse the image.`,
    });
  if (cd.mediaType && cd.mediaType !== MediaType.OciConfig && cd.mediaType !== MediaType.DockerConfig)
    out.push({
      code: 'unknown-media-type', severity: 'error', image, blob: cd.digest,
      message: `The config's media type is ${cd.mediaType}: engines only run images whose config is ${MediaType.OciConfig} or Docker's.`,
    });
  const history = Array.isArray(cfg.history) ? (cfg.history as { empty_layer?: boolean }[]) : undefined;
  if (history && history.length > 0) {
    const nonEmpty = history.filter((h) => !h?.empty_layer).length;
    if (nonEmpty !== img.layers.length)
      out.push({
        code: 'history-layer-mismatch', severity: 'warning', image, blob: cd.digest,
        message: `The config's history has ${nonEmpty} entries that made a layer, for ${img.layers.length} layers. Engines load it, but \`docker history\` and build caches pair them by position and show the wrong step for each layer.`,
      });
  }
  for (const l of img.layers) {
    if (!isLayerMediaType(l.descriptor.mediaType))
      out.push({
        code: 'unknown-media-type', severity: 'error', image, layer: l.index, blob: l.descriptor.digest,
        message: `Layer ${l.index} has media type ${l.descriptor.mediaType || '(none)'}, which is not a layer type: Docker and containerd refuse to unpack it.`,
      });
    if (!l.blob)
      out.push({
        code: 'missing-blob', severity: 'error', image, layer: l.index, blob: l.descriptor.digest, paths: l.path ? [l.path] : undefined,
        message: `Layer ${l.index} (${l.descriptor.digest}) is not in the archive: no engine can load this image.`,
      });
    else if (!l.digestFromDiffId && l.blob.size !== l.descriptor.size)
      out.push({
        code: 'size-mismatch', severity: 'error', image, layer: l.index, blob: l.descriptor.digest, fix: 'fix-descriptors',
        expected: String(l.descriptor.size), actual: String(l.blob.size),
        message: `Layer ${l.index} is ${l.blob.size} bytes but the manifest says ${l.descriptor.size}: engines stop at the declared size and refuse the layer. Fix: correct the descriptor.`,
      });
  }
  return out;
}

/**
 * Diagnoses every image of the archive. Reads each distinct layer blob once; JSON documents are small.
 * Problems are sorted by image, layer, severity. Throws only on cancellation (everything else is a Problem).
 */
export async function diagnose(archive: ImageArchive, opts: DiagnoseOptions = {}): Promise<Problem[]> {
  return (await diagnoseDetailed(archive, opts)).problems;
}

export async function diagnoseDetailed(archive: ImageArchive, opts: DiagnoseOptions = {}): Promise<DiagnoseResult> {
  // Announced before the layout checks, so that a verify started at the same time does not get to the layers first.
  const release = opts.cache && !opts.layoutOnly ? opts.cache.reserve(layerBlobs(archive)) : undefined;
  try {
    return await diagnoseAll(archive, opts);
  } finally {
    release?.();
  }
}

/** The distinct layer blobs present, in the order diagnose reads them. */
function layerBlobs(archive: ImageArchive): Blob[] {
  const seen = new Set<string>();
  const out: Blob[] = [];
  for (const img of archive.images)
    for (const l of img.layers)
      if (l.blob && !seen.has(l.descriptor.digest)) {
        seen.add(l.descriptor.digest);
        out.push(l.blob);
      }
  return out;
}

async function diagnoseAll(archive: ImageArchive, opts: DiagnoseOptions): Promise<DiagnoseResult> {
  const t0 = Date.now();
  const problems: Problem[] = [];
  const seen = new Set<string>();
  const push = (p: Problem) => {
    const key = `${p.code}|${p.blob ?? ''}|${p.severity}|${(p.paths ?? []).join('\n')}|${p.image === undefined ? '' : p.blob ? '' : p.image}`;
    if (seen.has(key)) return;
    seen.add(key);
    problems.push(p);
  };

  // Distinct layer blobs, in image order.
  const layerJobs = new Map<string, { blob: Blob; image: number; layer: number; synthesizedDigest: boolean; diffId?: string; declared: Descriptor }>();
  archive.images.forEach((img, image) => {
    for (const l of img.layers)
      if (l.blob && !layerJobs.has(l.descriptor.digest))
        layerJobs.set(l.descriptor.digest, {
          blob: l.blob, image, layer: l.index, diffId: l.diffId, declared: l.descriptor,
          synthesizedDigest: !!l.digestFromDiffId,
        });
  });
  const total = opts.layoutOnly ? 0 : [...layerJobs.values()].reduce((n, j) => n + j.blob.size, 0);
  let done = 0;
  let lastReport = 0;
  const onBytes = (n: number) => {
    done += n;
    if (opts.onProgress && (done - lastReport >= 1 << 20 || done === total)) {
      lastReport = done;
      opts.onProgress(done, total, 'diagnose');
    }
  };
  opts.onProgress?.(0, total, 'diagnose');

  for (const s of archive.skipped)
    if (s.absent) push({ code: 'missing-blob', severity: 'info', blob: s.descriptor.digest, message: `${s.descriptor.digest} is ${s.reason}.` });
    else if (s.code === 'missing-blob' || s.code === 'digest-mismatch' || s.code === 'corrupt' || s.code === 'truncated')
      push({
        code: integrityCode(s.code),
        severity: 'error', blob: s.descriptor.digest,
        message: `${s.descriptor.digest} could not be opened: ${s.reason}`,
      });

  for (let image = 0; image < archive.images.length; image++) {
    throwIfAborted(opts.signal);
    for (const p of await imageLayoutProblems(archive, archive.images[image], image, opts)) push(p);
  }

  const reads = new Map<string, LayerRead>();
  const layerSummaries: DiagnoseResult['layers'] = [];
  // Layers whose descriptor may be corrected from their content (fix-descriptors): the stored digest is right, or
  // the content reads to its end and matches the config's diff_id (only the name is wrong). Filled by the layer
  // pass; a size-mismatch of any other layer is not a descriptor problem (see below).
  const readdressable = new Set<string>();
  if (!opts.layoutOnly) {
    for (const [digest, job] of layerJobs) {
      throwIfAborted(opts.signal);
      const r = await readLayer(job.blob, { signal: opts.signal, onBytes, cache: opts.cache });
      reads.set(digest, r);
      layerSummaries.push({ digest, actualDigest: r.digest, size: r.size, diffId: r.diffId, entries: r.facts.entries.length, error: r.error?.message });
      const where = { image: job.image, layer: job.layer, blob: digest };
      if (r.error?.code === 'suspicious-expansion')
        push({ ...where, code: 'suspicious-expansion', severity: 'warning', message: `Layer ${job.layer} was not read to its end, so its checks are incomplete. ${r.error.message}` });
      else if (r.error)
        push({
          ...where, code: integrityCode(r.error.code) === 'unknown-media-type' ? 'unknown-media-type' : 'layer-unreadable', severity: 'error',
          message: `Layer ${job.layer} cannot be read to its end: ${r.error.message} Engines refuse to load it.`,
        });
      const digestOk = job.synthesizedDigest || r.digest === digest;
      if (digestOk || (!r.error && r.diffId === job.diffId)) readdressable.add(digest);
      if (!digestOk)
        push({
          ...where, code: 'digest-mismatch', severity: 'error', expected: digest, actual: r.digest,
          fix: !r.error && r.diffId === job.diffId ? 'fix-descriptors' : undefined,
          message:
            `Layer ${job.layer} hashes to ${r.digest}, not to ${digest} that names it: skopeo, containerd and Docker refuse it (\`digest mismatch\`).` +
            (!r.error && r.diffId === job.diffId ? ' Its content matches the config\'s diff_id, so only the name is wrong. Fix: re-address it by its content.' : ''),
        });
      if (!r.error && r.diffId && job.diffId !== undefined && r.diffId !== job.diffId)
        push({
          ...where, code: 'diffid-mismatch', severity: 'error', expected: job.diffId, actual: r.diffId,
          fix: digestOk ? 'fix-diff-ids' : undefined,
          message:
            `Layer ${job.layer} uncompresses to ${r.diffId}, but the config's rootfs.diff_ids says ${job.diffId}: \`docker load\` and containerd refuse the layer.` +
            (digestOk ? ' The stored layer matches its manifest digest, so the config is what is wrong. Fix: write the real diff_id into the config.' : ''),
        });
      for (const p of layerProblems(r.facts, where)) push(p);
    }
    // Cross-layer rules, per image, on the merged view of the layers below.
    for (let image = 0; image < archive.images.length; image++) {
      const img = archive.images[image];
      const tree: Tree = new MergedFs<DNode>();
      const carry = new CarryPlan<DNode>();
      for (const l of img.layers) {
        const r = reads.get(l.descriptor.digest);
        if (!r) continue;
        const where = { image, layer: l.index, blob: l.descriptor.digest };
        for (const p of crossLayerProblems(r.facts, tree, where, carry)) push(p);
        applyFacts(tree, r.facts, l.index);
      }
      // The image's own command, followed through the merged filesystem (reads a bounded head of each file).
      throwIfAborted(opts.signal);
      const heads = layerHeadReader<DNode | LinkNode>(
        (i) => img.layers[i]?.blob,
        (blob, ordinal, max, hardlinkTarget) => readEntryHead(blob, ordinal, max, { hardlinkTarget, signal: opts.signal }),
      );
      const hidden = await commandHidden(img.config, image, tree, carry, heads);
      if (hidden) push(hidden);
    }
  }

  // A layer's size-mismatch carries fix-descriptors only when the same repair can also give it the right digest:
  // otherwise the "fixed" descriptor would get the new size, keep the stale digest and still fail verify. When its
  // content no longer matches the config's diff_id either, it is not a descriptor problem (and with layoutOnly
  // the digest is unknown). planFix takes the digest from the digest-mismatch problem of the same blob.
  for (const p of problems)
    if (p.code === 'size-mismatch' && p.layer !== undefined && p.fix === 'fix-descriptors' && p.blob && !readdressable.has(p.blob)) {
      delete p.fix;
      p.message = p.message.replace(
        / Fix: correct the descriptor\.$/,
        opts.layoutOnly ? '' : ' Its content does not match the digest or the diff_id either, so correcting the size alone would not help.',
      );
    }

  // Blobs nothing refers to (layouts only; a docker-archive's files are listed by manifest.json).
  if (archive.format === 'oci-layout') {
    try {
      const { dropped } = await rechain(archive, { gc: true }, { signal: opts.signal });
      if (dropped.length)
        push({
          code: 'unreferenced-blob', severity: 'info', paths: dropped.map((d) => `blobs/${d.replace(':', '/')}`), fix: 'gc',
          message: `${dropped.length} blob${dropped.length > 1 ? 's are' : ' is'} in the archive but nothing refers to ${dropped.length > 1 ? 'them' : 'it'} (${sample(dropped)}). Harmless; removing ${dropped.length > 1 ? 'them' : 'it'} makes the archive smaller.`,
        });
    } catch (e) {
      const err = asLwError(e);
      if (err.code === 'cancelled') throw err;
      // Unreadable documents are reported above; reachability is then unknown, so no unreferenced-blob claim.
    }
  }

  problems.sort(
    (a, b) =>
      (a.image ?? -1) - (b.image ?? -1) ||
      (a.layer ?? -1) - (b.layer ?? -1) ||
      SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity],
  );
  opts.onProgress?.(total, total, 'diagnose');
  return { problems, layers: layerSummaries, ms: Date.now() - t0 };
}

/** True when any problem is an error (the CLI's exit status). */
export function hasErrors(problems: Problem[]): boolean {
  return problems.some((p) => p.severity === 'error');
}
