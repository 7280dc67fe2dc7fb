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
// | bare-whiteout                 | error         | a `.wh.` with no name: Docker removes its whole directory     | drop-bare-whiteouts     |
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
// | command-hidden                | error         | a link of the image's exec chain (the command via PATH, symlinks, #! interpreter, env NAME, ELF loader) is such a hidden file, and carry-over brings it back (`docker run` fails) | carry-over-hidden-files (then run by default) |
// | history-layer-mismatch        | warning       | non-empty history entries do not pair with layers             | —                       |
// | unknown-media-type            | error         | a layer/config media type engines do not know                 | —                       |
// | unsupported-digest            | error         | a digest algorithm other than sha256 (verify cannot check it) | —                       |
// | config-missing-field          | error         | config without architecture, os or rootfs.diff_ids            | —                       |
// | unreferenced-blob             | info          | a blob nothing in the layout refers to                        | gc                      |
// | unsupported-entry-type        | error         | an old GNU sparse file (tar type 'S'): Docker and umoci refuse the layer | —            |
// | ambiguous-json                | error         | a document field spelled twice with different values (ops/ambiguity.ts) | —             |
// | name-has-nul                  | error         | a PAX name with a NUL: Go's archive/tar refuses the layer (layers/names.ts) | —         |
// | dotdot-in-name                | warning       | `a/../b`: engines clean it and extract `b`                    | —                       |
// | whiteout-escapes              | error         | `.wh..`/`.wh...`: Docker removes the whiteout's directory, its parent or the root | — |

import { asLwError, throwIfAborted } from '../errors';
import type { OpOptions } from '../env';
import type { ImageArchive, Layer } from '../oci/archive';
import type { Descriptor } from '../oci/types';
import { readLayer, type LayerRead } from '../layers/scan';
import { digestAlgorithm } from '../digest/index';
import type { UnpackCache } from '../layers/unpack';
import { readEntryHead } from '../layers/head';
import type { LinkNode } from '../layers/resolve';
import { rechain } from '../mutate/rechain';
import { CarryPlan, commandHidden, layerHeadReader } from './diagnose/command';
import { layerProblems } from './diagnose/layer';
import { applyFacts, crossLayerProblems, newTree, type DNode, type Tree } from './diagnose/cross';
import { imageLayoutProblems } from './diagnose/integrity';

export type { Severity, ProblemCode, RepairId, Problem } from './diagnose/types';
export { OPTIONAL_REPAIRS } from './diagnose/types';
import type { Problem, Severity } from './diagnose/types';
import { integrityCode, sample } from './diagnose/types';
import { archiveAmbiguities } from './ambiguity';

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
  const layerJobs = new Map<string, { source: Layer; image: number; layer: number; synthesizedDigest: boolean; diffId?: string; declared: Descriptor }>();
  archive.images.forEach((img, image) => {
    for (const l of img.layers)
      if (l.blob && !layerJobs.has(l.descriptor.digest))
        layerJobs.set(l.descriptor.digest, {
          source: l, image, layer: l.index, diffId: l.diffId, declared: l.descriptor,
          synthesizedDigest: !!l.digestFromDiffId,
        });
  });
  const total = opts.layoutOnly ? 0 : [...layerJobs.values()].reduce((n, j) => n + j.source.blob!.size, 0);
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
  for (const a of await archiveAmbiguities(archive, opts))
    push({ code: 'ambiguous-json', severity: 'error', image: a.image, blob: a.blob, paths: [a.field], message: `${a.message} The image means different things to different tools.` });

  const reads = new Map<string, LayerRead>();
  const layerSummaries: DiagnoseResult['layers'] = [];
  // Layers whose descriptor may be corrected from their content (fix-descriptors): the stored digest is right, or
  // the content reads to its end and matches the config's diff_id (only the name is wrong). Filled by the layer
  // pass; a size-mismatch of any other layer is not a descriptor problem (see below).
  const readdressable = new Set<string>();
  if (!opts.layoutOnly) {
    for (const [digest, job] of layerJobs) {
      throwIfAborted(opts.signal);
      const r = await readLayer(job.source, {
        signal: opts.signal, onBytes, cache: opts.cache,
        algorithm: digestAlgorithm(digest), diffIdAlgorithm: job.diffId !== undefined ? digestAlgorithm(job.diffId) : undefined,
      });
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
      // Names the engines' extractors read differently; `../` escapes are unsafe-path's (layerProblems).
      for (const n of r.facts.names)
        if (n.code !== 'unsafe-path') push({ ...where, code: n.code, severity: n.severity, paths: [n.stored], entries: [n.ordinal], message: `Layer ${job.layer}: ${n.message}` });
    }
    // Cross-layer rules, per image, on the merged view of the layers below.
    for (let image = 0; image < archive.images.length; image++) {
      const img = archive.images[image];
      const tree: Tree = newTree();
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
        (i) => img.layers[i],
        (i, ordinal, max, hardlinkTarget) => readEntryHead(() => img.layers[i].uncompressed({ signal: opts.signal }), ordinal, max, { hardlinkTarget, signal: opts.signal }),
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

