// The plain-JSON picture of an opened archive that the worker sends to the UI: the engine's inspect result
// (the same the CLI prints) plus the details a person reads, so the UI never asks again just to render.
// Runs in the worker (no DOM here).

import type { ImageArchive } from '../engine/oci/archive';
import type { ImageConfig, ImageIndex, ImageManifest } from '../engine/oci/types';
import { imageDetails, inspect, type ImageDetails, type InspectImage, type LayerDetail } from '../engine/ops/inspect';

export type { LayerDetail };

export interface ImageSummary extends InspectImage {
  /** Position in the archive's image list (the image picker's value). */
  index: number;
  details: ImageDetails;
  manifestJson: ImageManifest;
  configJson: ImageConfig;
}

export interface OpenSummary {
  name: string;
  format: ImageArchive['format'];
  container: ImageArchive['tree']['kind'];
  images: ImageSummary[];
  indexJson?: ImageIndex;
  dockerManifestJson?: unknown;
  /** Things worth telling that did not stop the archive from opening. */
  warnings: string[];
  /** Manifests that could not be opened as images, with why. */
  skipped: { digest: string; reason: string }[];
}

export function summarize(archive: ImageArchive, name: string): OpenSummary {
  const inspected = inspect(archive);
  return {
    name,
    format: archive.format,
    container: archive.tree.kind,
    indexJson: archive.index,
    dockerManifestJson: archive.dockerManifest,
    warnings: [...archive.warnings],
    skipped: archive.skipped.map((s) => ({ digest: s.descriptor.digest, reason: s.reason })),
    images: archive.images.map((img, index) => ({
      ...inspected.images[index],
      index,
      details: imageDetails(img),
      manifestJson: img.manifest,
      configJson: img.config,
    })),
  };
}
