// Integrity and config rules on one image that need no layer content: the config, manifest and index blobs
// (present, sized, hashed right), the config's required fields and history, layer media types, missing and
// mis-sized layer blobs. Layer content checks (digest, diff_id, readability) run in diagnose's one pass.

import type { OpOptions } from '../../env';
import { indexesAbove, type Image, type ImageArchive } from '../../oci/archive';
import { MediaType, isLayerMediaType, type Descriptor } from '../../oci/types';
import { digestAlgorithm, digestBlob } from '../../digest/index';
import type { Problem } from './types';

/** Layout rules on one image (no layer content needed). */
export async function imageLayoutProblems(archive: ImageArchive, img: Image, image: number, opts: OpOptions): Promise<Problem[]> {
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
    // sha512 names are legal (image-spec descriptor.md): hash with the algorithm that names the blob.
    const actual = await digestBlob(blob, { signal: opts.signal, algorithm: digestAlgorithm(d.digest) });
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
