// inspect: the archive's images as plain JSON. `inspect` is the stable machine form the CLI prints with --json
// (and tests compare with skopeo); `imageDetails` adds what a person wants to read (config, history).

import type { ImageArchive, Image } from '../oci/archive';
import type { HistoryEntry } from '../oci/types';
import { formatPlatform } from '../oci/types';

export interface InspectLayer {
  digest: string;
  size: number;
  mediaType: string;
  /** From the config's rootfs.diff_ids; null when the config lists none for this layer. */
  diffId: string | null;
}

export interface InspectImage {
  tags: string[];
  /** "os/arch[/variant]": the index descriptor's platform, else the config's. */
  platform: string;
  manifest: { digest: string; size: number; mediaType: string };
  config: { digest: string; size: number };
  layers: InspectLayer[];
}

export interface InspectResult {
  format: ImageArchive['format'];
  images: InspectImage[];
}

export function inspect(archive: ImageArchive): InspectResult {
  return { format: archive.format, images: archive.images.map(inspectImage) };
}

export function imagePlatform(img: Image): string {
  return formatPlatform(img.platform ?? { os: img.config.os, architecture: img.config.architecture, variant: img.config.variant });
}

function inspectImage(img: Image): InspectImage {
  const m = img.manifestDescriptor;
  return {
    tags: [...img.tags],
    platform: imagePlatform(img),
    manifest: { digest: m.digest, size: m.size, mediaType: m.mediaType || img.manifest.mediaType || '' },
    config: { digest: img.manifest.config.digest, size: img.manifest.config.size },
    layers: img.layers.map((l) => ({
      digest: l.descriptor.digest,
      size: l.descriptor.size,
      mediaType: l.descriptor.mediaType,
      diffId: l.diffId ?? null,
    })),
  };
}

export interface LayerDetail extends InspectLayer {
  index: number;
  /** The non-empty history entry paired with this layer by position (empty_layer entries skipped). */
  createdBy?: string;
  created?: string;
  comment?: string;
  /** False when the archive lacks the blob. */
  present: boolean;
  annotations?: Record<string, string>;
}

export interface ImageDetails {
  tags: string[];
  platform: string;
  os?: string;
  architecture?: string;
  variant?: string;
  created?: string;
  author?: string;
  cmd?: string[] | null;
  entrypoint?: string[] | null;
  env: string[];
  labels: Record<string, string>;
  user?: string;
  workingDir?: string;
  exposedPorts: string[];
  volumes: string[];
  stopSignal?: string;
  history: HistoryEntry[];
  /** History entries that are not empty_layer, versus layers: a mismatch is worth a warning. */
  historyLayerCount: number;
  layers: LayerDetail[];
  /** Sum of the stored (compressed) layer sizes. */
  layersSize: number;
  manifestAnnotations?: Record<string, string>;
  indexAnnotations?: Record<string, string>;
}

/** What the UI shows about one image beyond `inspect`: config summary, history paired with layers. */
export function imageDetails(img: Image): ImageDetails {
  const c = img.config.config ?? {};
  // The config's shape is only loosely checked at open: a non-array history or non-object entries are shown as none.
  const history = (Array.isArray(img.config.history) ? img.config.history : []).filter((h) => !!h && typeof h === 'object');
  const nonEmpty = history.filter((h) => !h.empty_layer);
  return {
    tags: [...img.tags],
    platform: imagePlatform(img),
    os: img.config.os,
    architecture: img.config.architecture,
    variant: img.config.variant,
    created: img.config.created,
    author: img.config.author,
    cmd: c.Cmd,
    entrypoint: c.Entrypoint,
    env: c.Env ?? [],
    labels: c.Labels ?? {},
    user: c.User,
    workingDir: c.WorkingDir,
    exposedPorts: Object.keys(c.ExposedPorts ?? {}),
    volumes: Object.keys(c.Volumes ?? {}),
    stopSignal: c.StopSignal,
    history,
    historyLayerCount: nonEmpty.length,
    layers: img.layers.map((l) => {
      const h = nonEmpty[l.index];
      return {
        index: l.index,
        digest: l.descriptor.digest,
        size: l.descriptor.size,
        mediaType: l.descriptor.mediaType,
        diffId: l.diffId ?? null,
        createdBy: h?.created_by,
        created: h?.created,
        comment: h?.comment,
        present: !!l.blob,
        annotations: l.descriptor.annotations,
      };
    }),
    layersSize: img.layers.reduce((n, l) => n + l.descriptor.size, 0),
    manifestAnnotations: img.manifest.annotations,
    indexAnnotations: img.manifestDescriptor.annotations,
  };
}
