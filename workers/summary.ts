// The plain-JSON picture of an opened archive that the worker sends to the UI (protocol OpenSummary): the engine's
// inspect result (the same the CLI prints) plus the details a person reads, so the UI never asks again just to render.

import { imageDetails, inspect, type ImageArchive } from '../src/engine/index';
import type { OpenSummary } from '../src/protocol';

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
