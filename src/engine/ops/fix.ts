// fix: the safe repairs diagnose offers, listed before they run (planFix) and applied in one go (fix).
//
// Layer repairs (drop entries) rewrite ONLY the affected layers, in one streaming pass each: every kept entry is
// copied with its original header bytes (TarWriter.addRaw) and content; the layer is re-compressed
// deterministically (layers/encode.ts), so fixing the same input twice gives byte-identical output. Descriptor
// repairs re-address blobs without reading them. Then mutate/rechain re-addresses everything above.
// Unchanged blobs go to the output as the input's own Blob slices.
// Planning is in fix-plan.ts, layer rewriting in fix-layer.ts; this file applies a chosen set of repairs.

import { LwError, asLwError, throwIfAborted } from '../errors';
import type { OpOptions, Scratch } from '../env';
import { indexDescriptor, indexesAbove, storedBlob, type ImageArchive, type Layer } from '../oci/archive';
import type { Descriptor } from '../oci/types';
import { rechain, type RechainResult } from '../mutate/rechain';
import type { BlobReplacement } from '../mutate/types';
import type { Repair, RepairTarget } from './fix-plan';
import { carriedNodes, rewriteLayer } from './fix-layer';

export * from './fix-plan';
export { rewriteLayer, rewrittenMediaType } from './fix-layer';

export interface BlobAddress {
  digest: string;
  size: number;
  diffId?: string;
}

export interface RewrittenBlob {
  kind: 'layer' | 'config' | 'manifest' | 'index';
  image?: number;
  layer?: number;
  before: BlobAddress;
  after: BlobAddress;
  /** Layers: entries dropped. */
  dropped?: number;
  /** Layers: lower-layer files carried over (carry-over-hidden-files). */
  carried?: number;
}

export interface FixResult {
  /** The repaired layout: hand it to writeOciArchive / writeDockerArchive. */
  out: RechainResult;
  /** Every blob whose address changed, before/after (layers first, then configs, manifests, indexes). */
  rewritten: RewrittenBlob[];
  applied: Repair[];
  /** Things a repair could not do as asked (carry-over conflicts, dropped links), in plain words. */
  warnings: string[];
  ms: number;
}

/**
 * Applies the repairs (from planFix, possibly a subset the user chose) and re-chains the image.
 * Throws LwError (cancelled, truncated, corrupt, write-failed); scratch files of a failed run are discarded.
 */
export async function fix(archive: ImageArchive, repairs: Repair[], env: { scratch: Scratch }, opts: OpOptions = {}): Promise<FixResult> {
  const t0 = Date.now();
  const replace = new Map<string, BlobReplacement>();
  const rewritten: RewrittenBlob[] = [];
  const drops = new Map<string, Set<number>>();
  const readdress = new Map<string, { digest?: string; size?: number; diffId?: string }>();
  let gc = false;
  const carry = new Map<string, RepairTarget>();
  for (const r of repairs) {
    if (r.id === 'carry-over-hidden-files') for (const t of r.targets) if (!carry.has(t.digest)) carry.set(t.digest, t);
    for (const [d, list] of Object.entries(r.drop ?? {})) {
      const s = drops.get(d) ?? new Set<number>();
      for (const o of list) s.add(o);
      drops.set(d, s);
    }
    for (const [d, v] of Object.entries(r.readdress ?? {})) readdress.set(d, { ...readdress.get(d), ...v });
    if (r.id === 'gc') gc = true;
  }

  // Where each layer digest first appears (for descriptors, config diff_ids and the report).
  const layerAt = new Map<string, { image: number; layer: number; descriptor: Descriptor; diffId?: string; blob?: Blob; source: Layer }>();
  archive.images.forEach((img, image) => {
    for (const l of img.layers)
      if (!layerAt.has(l.descriptor.digest))
        layerAt.set(l.descriptor.digest, { image, layer: l.index, descriptor: l.descriptor, diffId: l.diffId, blob: l.blob, source: l });
  });

  for (const d of carry.keys()) if (!drops.has(d)) drops.set(d, new Set());
  const warnings: string[] = [];
  const total = [...drops.keys()].reduce((n, d) => n + (layerAt.get(d)?.blob?.size ?? 0), 0);
  let done = 0;
  let last = 0;
  const onBytes = (n: number) => {
    done = Math.min(total, done + n);
    if (opts.onProgress && (done - last >= 1 << 20 || done === total)) {
      last = done;
      opts.onProgress(done, total, 'rewriting layers');
    }
  };
  opts.onProgress?.(0, total, 'rewriting layers');

  try {
    for (const [digest, set] of drops) {
      throwIfAborted(opts.signal);
      const at = layerAt.get(digest);
      if (!at) throw new LwError('missing-blob', `Layer ${digest} is not in the archive, so it cannot be rewritten.`, { blob: digest });
      storedBlob(at.source); // the model's missing-blob, before the carry-over reads the lower layers
      const ct = carry.get(digest);
      const append = ct ? await carriedNodes(archive, ct, set, env, warnings, opts) : undefined;
      const { layer, dropped } = await rewriteLayer(at.source, set, env, { signal: opts.signal, onBytes, append });
      replace.set(digest, layer);
      rewritten.push({
        kind: 'layer', image: at.image, layer: at.layer, dropped, ...(append ? { carried: append.length } : {}),
        before: { digest, size: at.descriptor.size, diffId: at.diffId },
        after: { digest: layer.descriptor.digest, size: layer.descriptor.size, diffId: layer.diffId },
      });
    }
    for (const [digest, v] of readdress) {
      if (replace.has(digest)) continue; // rewritten: its new address supersedes
      const blob = archive.blob(digest);
      if (!blob) throw new LwError('missing-blob', `${digest} is not in the archive, so its descriptor cannot be corrected.`, { blob: digest });
      const at = layerAt.get(digest);
      const old = at?.descriptor ?? findDescriptor(archive, digest);
      const descriptor: Descriptor = { mediaType: old?.mediaType ?? '', digest: v.digest ?? digest, size: v.size ?? blob.size };
      replace.set(digest, { blob, descriptor, diffId: v.diffId });
      if (at)
        rewritten.push({
          kind: 'layer', image: at.image, layer: at.layer,
          before: { digest, size: at.descriptor.size, diffId: at.diffId },
          after: { digest: descriptor.digest, size: descriptor.size, diffId: v.diffId ?? at.diffId },
        });
    }
    const out = await rechain(archive, { replace, gc }, { signal: opts.signal });
    // Configs, manifests and indexes whose address changed.
    const kindOf = (d: string): RewrittenBlob['kind'] | undefined => {
      for (const img of archive.images) {
        if (img.manifest.config.digest === d) return 'config';
        if (img.manifestDescriptor.digest === d) return 'manifest';
      }
      return indexDescriptor(archive, d) ? 'index' : undefined;
    };
    const order = { config: 0, manifest: 1, index: 2, layer: -1 } as const;
    const docs: RewrittenBlob[] = [];
    for (const [old, nd] of out.changed) {
      const kind = kindOf(old);
      if (!kind) continue;
      const image = archive.images.findIndex((img) => img.manifest.config.digest === old || img.manifestDescriptor.digest === old || indexesAbove(archive, img).some((p) => p.digest === old));
      const oldSize = kind === 'config' ? archive.images[image].manifest.config.size : kind === 'manifest' ? archive.images[image].manifestDescriptor.size : indexDescriptor(archive, old)!.size;
      docs.push({ kind, image, before: { digest: old, size: oldSize }, after: { digest: nd.digest, size: nd.size } });
    }
    docs.sort((a, b) => order[a.kind] - order[b.kind]);
    opts.onProgress?.(total, total, 'rewriting layers');
    return { out, rewritten: [...rewritten, ...docs], applied: repairs, warnings, ms: Date.now() - t0 };
  } catch (e) {
    throw asLwError(e, 'write-failed');
  }
}

function findDescriptor(archive: ImageArchive, digest: string): Descriptor | undefined {
  for (const img of archive.images) {
    if (img.manifest.config.digest === digest) return img.manifest.config;
    if (img.manifestDescriptor.digest === digest) return img.manifestDescriptor;
  }
  return indexDescriptor(archive, digest);
}
