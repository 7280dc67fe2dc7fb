// OCI image layout reader: index.json → (nested indexes) → manifests → config + layers.

import { LwError, asLwError, throwIfAborted } from '../errors';
import type { OpOptions } from '../env';
import type { FileTree } from './tree';
import { asConfig, asIndex, asManifest, readJson, sniffKind } from './json';
import type { Image, SkippedManifest } from './archive';
import type { Descriptor, ImageIndex, ImageManifest, Platform } from './types';
import {
  AnnotationDockerReferenceType,
  AnnotationRefName,
  MediaType,
  blobPath,
  isIndexMediaType,
  isManifestMediaType,
} from './types';

const MAX_INDEX_DEPTH = 8;
const IMAGE_CONFIG_TYPES: string[] = [MediaType.OciConfig, MediaType.DockerConfig];

export interface LayoutRead {
  index: ImageIndex;
  images: Image[];
  skipped: SkippedManifest[];
  warnings: string[];
}

/**
 * Walks index.json depth first, in stored order. A manifest that cannot be opened is skipped (and listed) as long
 * as another image opens: a partial multi-platform save (Docker >= 25 keeps the whole index but only the host's
 * platform blobs) is still useful. When no image opens, the first failure is thrown.
 */
export async function readLayout(tree: FileTree, opts: OpOptions): Promise<LayoutRead> {
  const index = asIndex((await readJson(tree.get('index.json')!, 'index.json')).value, 'index.json');
  const out: LayoutRead = { index, images: [], skipped: [], warnings: [] };
  const errors: LwError[] = [];

  const walk = async (idx: ImageIndex, parents: Descriptor[], tags: string[]): Promise<void> => {
    for (const d of idx.manifests) {
      throwIfAborted(opts.signal);
      const ref = d.annotations?.[AnnotationRefName];
      const here = ref && !tags.includes(ref) ? [...tags, ref] : tags;
      const skip = (code: SkippedManifest['code'], reason: string) => out.skipped.push({ descriptor: d, parents, code, reason });
      if (d.annotations?.[AnnotationDockerReferenceType] === 'attestation-manifest') {
        skip('unsupported-media-type', 'a build attestation, not an image');
        continue;
      }
      if (d.mediaType && !isIndexMediaType(d.mediaType) && !isManifestMediaType(d.mediaType)) {
        skip('unsupported-media-type', `media type ${d.mediaType} is neither an image index nor an image manifest`);
        continue;
      }
      try {
        const blob = tree.get(blobPath(d.digest));
        if (!blob)
          throw new LwError('missing-blob', `The ${isIndexMediaType(d.mediaType) ? 'index' : 'manifest'} ${d.digest} is not in the archive.`, { blob: d.digest });
        const { value } = await readJson(blob, d.digest);
        const kind = isIndexMediaType(d.mediaType) ? 'index' : isManifestMediaType(d.mediaType) ? 'manifest' : sniffKind(value);
        if (kind === 'index') {
          if (parents.length + 1 >= MAX_INDEX_DEPTH || parents.some((p) => p.digest === d.digest))
            throw new LwError('corrupt', `The index ${d.digest} nests too deep or refers to itself.`, { blob: d.digest });
          await walk(asIndex(value, d.digest), [...parents, d], here);
        } else if (kind === 'manifest') {
          const manifest = asManifest(value, d.digest);
          const cmt = manifest.config.mediaType;
          if (cmt && !IMAGE_CONFIG_TYPES.includes(cmt)) {
            skip('unsupported-media-type', `an artifact (config media type ${cmt}), not a container image`);
            continue;
          }
          // One manifest listed under several tags (skopeo writes an index entry per tag) is one image.
          const same = out.images.find((i) => i.manifestDescriptor.digest === d.digest && samePath(i.parents, parents));
          if (same) for (const t of here) if (!same.tags.includes(t)) same.tags.push(t);
          if (!same) out.images.push(await readImage(tree, d, manifest, blob, parents, here));
        } else throw new LwError('corrupt', `${d.digest} is neither an image index nor an image manifest.`, { blob: d.digest });
      } catch (e) {
        const err = asLwError(e);
        if (err.code === 'cancelled') throw err;
        errors.push(err);
        skip(err.code, err.message);
      }
    }
  };
  await walk(index, [], []);
  if (out.images.length === 0) {
    if (errors.length) throw errors[0];
    throw new LwError('not-an-image', 'index.json lists no container image.');
  }
  for (const s of out.skipped) out.warnings.push(`Skipped ${s.descriptor.digest}${platformNote(s.descriptor.platform)}: ${s.reason}`);
  return out;
}

function samePath(a: Descriptor[], b: Descriptor[]): boolean {
  return a.length === b.length && a.every((d, i) => d.digest === b[i].digest);
}

function platformNote(p?: Platform): string {
  return p ? ` (${p.os}/${p.architecture}${p.variant ? '/' + p.variant : ''})` : '';
}

async function readImage(
  tree: FileTree,
  d: Descriptor,
  manifest: ImageManifest,
  manifestBlob: Blob,
  parents: Descriptor[],
  tags: string[],
): Promise<Image> {
  const configBlob = tree.get(blobPath(manifest.config.digest));
  if (!configBlob)
    throw new LwError('missing-blob', `The config ${manifest.config.digest} of manifest ${d.digest} is not in the archive.`, {
      blob: manifest.config.digest,
    });
  const config = asConfig((await readJson(configBlob, manifest.config.digest)).value, manifest.config.digest);
  const diffIds = config.rootfs?.diff_ids ?? [];
  const platform: Platform | undefined =
    d.platform ?? (config.os || config.architecture ? stripUndefined({ os: config.os, architecture: config.architecture, variant: config.variant }) : undefined);
  return {
    tags: [...tags],
    platform,
    manifestDescriptor: { ...d, mediaType: d.mediaType || manifest.mediaType || MediaType.OciManifest },
    manifest,
    config,
    configBlob,
    manifestBlob,
    parents,
    layers: manifest.layers.map((l, index) => ({
      index,
      descriptor: l,
      diffId: diffIds[index],
      blob: tree.get(blobPath(l.digest)),
      path: blobPath(l.digest),
    })),
  };
}

function stripUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
